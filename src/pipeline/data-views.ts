/**
 * The data as a researcher looks at it in chapters 2-4: danfojs-node DataFrames of the first rows of a
 * raw file, of a sample of an analysis frame, and of the counts behind the cross tables and the
 * missingness tables (src/report/dataframes.ts builds them; why never on the full frames is written
 * there). Each call shows its DataFrame and returns it, so the next cell can ask danfojs for more:
 *
 *   const steekproef = frameSampleView(ch, "doorstroom", 2020, 2000);
 *   showDataFrame(ch, steekproef.describe(), "describe() van de steekproef");
 */
import { crossTableCounts, dataFrameHtml, frameSample, missingCounts, rawHead, type DataFrame, type Tabular } from "../report/dataframes";
import { frameKey } from "../vocabulary";
import type { Chapter } from "./chapter";

/** Show a DataFrame or Series (a danfojs result) as a table under the caption. */
export function showDataFrame(ch: Chapter, data: Tabular, caption: string, digits = 3): void {
  ch.ctx.display.html(dataFrameHtml(data, caption, digits));
}

function frameOf(ch: Chapter, outcome: string, year: number): Chapter["frames"][number] {
  const key = frameKey(outcome, year);
  const frame = ch.frames.find((f) => f.key === key) ?? ch.data?.frames[key];
  if (frame === undefined) throw new Error(`no analysis frame ${key} in this chapter (it was opened without data)`);
  return frame;
}

/** The first `n` rows of chosen columns of studenten.csv (chapter 2, with the raw files read). */
export function rawHeadView(ch: Chapter, columns: readonly string[], n: number): DataFrame {
  const head = ch.data?.raw?.studenten ?? ch.data?.studentenHead;
  if (head === undefined) throw new Error('rawHeadView: the raw files were not read; open the chapter with { data: "raw" }');
  if (n > head.nrows && ch.data?.raw == null) throw new Error(`rawHeadView: ${n} rows asked for, the chapter read the first ${head.nrows} of studenten.csv`);
  const total = ch.data?.files.find((f) => /studenten\.csv$/.test(f.file))?.nrows ?? head.nrows;
  const df = rawHead(head, columns, n);
  showDataFrame(ch, df, `studenten.csv (${total} rijen, breed format): de eerste ${n} rijen, een greep uit de kolommen`);
  return df;
}

/** A reproducible random sample of `n` students of one analysis frame, every column; shows its first rows. */
export function frameSampleView(ch: Chapter, outcome: string, year: number, n: number, seed = 1): DataFrame {
  const frame = frameOf(ch, outcome, year);
  const df = frameSample(frame.columns, n, seed);
  showDataFrame(ch, df.head(8), `Steekproef van ${df.shape[0]} van de ${frame.nrows} studenten van ${frame.key} (seed ${seed}): de eerste rijen`);
  return df;
}

/** The counts behind the cross table of one frame (variable, category, background: n and outcome = 1). */
export function crossTableCountsView(ch: Chapter, outcome: string, year: number): DataFrame {
  const frame = frameOf(ch, outcome, year);
  const df = crossTableCounts(frame.columns, frame.outcome);
  showDataFrame(ch, df.head(12), `De tellingen achter de kruistabel van ${frame.key} (${df.shape[0]} rijen; geteld op de volledige kolommen): de eerste rijen`);
  return df;
}

/** Per migration background of one frame: students, missing cito, parents' education unknown (counted on the full columns). */
export function missingCountsView(ch: Chapter, outcome: string, year: number): DataFrame {
  const frame = frameOf(ch, outcome, year);
  const df = missingCounts(frame.columns);
  showDataFrame(ch, df, `Missende waarden per migratieachtergrond, ${frame.key} (geteld op de volledige kolommen)`);
  return df;
}

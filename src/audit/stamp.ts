/**
 * Stamping outputs with the manifest id (issue 7, item 1: "every CSV table and figure carries the
 * manifest's id").
 *
 * CSV: a last column `manifest_id` with the id on every data row. A column (not a comment line) is what
 * Excel, R's read.csv and danfojs read without options, and it survives filtering and joining rows.
 * HTML (figures, the report): a `<meta name="kansen-mbo-manifest">` in the head and a visible footer line.
 * Both are idempotent: stamping again replaces the earlier id.
 */
import { readFileSync, readdirSync, statSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";

export const MANIFEST_COLUMN = "manifest_id";

/** Split CSV text into records, keeping quoted newlines inside their record. */
function csvRecords(text: string): string[] {
  const records: string[] = [];
  let start = 0;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) inQuotes = !inQuotes;
    else if (c === 10 && !inQuotes) {
      records.push(text.slice(start, i).replace(/\r$/, ""));
      start = i + 1;
    }
  }
  if (start < text.length) records.push(text.slice(start).replace(/\r$/, ""));
  return records;
}

export function stampCsvText(text: string, id: string): string {
  const records = csvRecords(text);
  if (records.length === 0) return text;
  const header = records[0] ?? "";
  const suffix = `,${MANIFEST_COLUMN}`;
  const already = header.endsWith(suffix);
  const strip = (r: string): string => (already ? r.slice(0, r.lastIndexOf(",")) : r);
  const out = records.map((r, i) => (i === 0 ? `${strip(r)}${suffix}` : r === "" ? r : `${strip(r)},${id}`));
  return out.join("\n") + "\n";
}

export function stampHtmlText(html: string, id: string): string {
  const meta = `<meta name="kansen-mbo-manifest" content="${id}">`;
  const footer = `<p class="kansen-mbo-manifest" style="font:11px sans-serif;color:#666">manifest ${id}</p>`;
  let out = html.replace(/<meta name="kansen-mbo-manifest" content="[^"]*">/g, "").replace(/<p class="kansen-mbo-manifest"[^>]*>manifest [^<]*<\/p>/g, "");
  out = /<head[^>]*>/i.test(out) ? out.replace(/<head[^>]*>/i, (m) => `${m}${meta}`) : `${meta}${out}`;
  out = /<\/body>/i.test(out) ? out.replace(/<\/body>/i, `${footer}</body>`) : `${out}${footer}`;
  return out;
}

function rewrite(path: string, transform: (text: string) => string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, transform(readFileSync(path, "utf8")));
  renameSync(tmp, path);
}

/** Stamp every .csv and .html file under `dir`; returns the relative paths stamped. */
export function stampOutputs(dir: string, id: string): string[] {
  const stamped: string[] = [];
  const walk = (sub: string): void => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      const full = join(dir, rel);
      if (statSync(full).isDirectory()) walk(rel);
      else if (name.endsWith(".csv")) {
        rewrite(full, (t) => stampCsvText(t, id));
        stamped.push(rel);
      } else if (name.endsWith(".html")) {
        rewrite(full, (t) => stampHtmlText(t, id));
        stamped.push(rel);
      }
    }
  };
  walk("");
  return stamped;
}

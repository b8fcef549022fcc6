/**
 * The categorical coding the generator works in: one small integer per category, in the order of the
 * analysis frames of data-schema/README.md (reference category first where the frame has one), and the
 * raw-file codes each category is written as.
 */

/** The four analysis frames: outcome in jaar T, covariates from schooljaar t = T - 1. */
export type FrameKey = "doorstroom2020" | "doorstroom2021" | "vsv2020" | "vsv2021";
export const FRAME_KEYS: readonly FrameKey[] = ["doorstroom2020", "doorstroom2021", "vsv2020", "vsv2021"];

export interface FrameSpec {
  readonly key: FrameKey;
  readonly outcome: "doorstroom" | "vsv";
  /** Jaar T of the outcome (Tabel 1-8). */
  readonly year: number;
  /** Schooljaar t = T - 1 the covariates come from. */
  readonly t: number;
  /** Published table number (Tabel 1-4 descriptives; +4 for the model table). */
  readonly table: number;
}

export const FRAMES: Readonly<Record<FrameKey, FrameSpec>> = {
  doorstroom2020: { key: "doorstroom2020", outcome: "doorstroom", year: 2020, t: 2019, table: 1 },
  doorstroom2021: { key: "doorstroom2021", outcome: "doorstroom", year: 2021, t: 2020, table: 2 },
  vsv2020: { key: "vsv2020", outcome: "vsv", year: 2020, t: 2019, table: 3 },
  vsv2021: { key: "vsv2021", outcome: "vsv", year: 2021, t: 2020, table: 4 },
};

/** The covariate dimensions of a frame record, each a factor with a fixed number of levels. */
export const DIM = {
  niveau: 0,
  sector: 1,
  leerweg: 2,
  leeftijd: 3,
  migratie: 4,
  ouders: 5,
  geslacht: 6,
  citocat: 7,
} as const;
export type DimName = keyof typeof DIM;
export const DIM_NAMES: readonly DimName[] = [
  "niveau",
  "sector",
  "leerweg",
  "leeftijd",
  "migratie",
  "ouders",
  "geslacht",
  "citocat",
];

/** Level labels per dimension (frame values). */
export const LEVELS: Readonly<Record<DimName, readonly string[]>> = {
  niveau: ["1", "2", "3", "4"],
  sector: ["handel_economie", "zorg_sport", "techniek_ict", "overig"],
  leerweg: ["bol", "bbl"],
  leeftijd: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"],
  migratie: ["geen", "niet-westers", "westers"],
  ouders: ["max_vmbo_kader", "hoger", "onbekend"],
  geslacht: ["man", "vrouw"],
  citocat: ["missing", "2009", "2010", "2011", "2012", "2013", ">2014"],
};
export const DIM_SIZES: readonly number[] = DIM_NAMES.map((d) => LEVELS[d].length);

/** Raw codes (data-schema/README.md) for the time-invariant variables. */
/** Index 2 = not registered (written as an empty field). */
export const RAW_GESLACHT = ["M", "V", ""] as const;
export const RAW_MIGRATIE = ["geen", "niet-westers", "westers"] as const;
export const RAW_OUDERS = ["max_vmbo_kader", "hoger", ""] as const;
export const RAW_LEERWEG = ["BOL", "BBL", "EX"] as const;
export const LEERWEG_EX = 2;

/**
 * SBB sectorkamers as written in crebo.csv, and the four sectors of bijlage 3a 2.3 they map to:
 * "zakelijke dienstverlening & handel [sectorkamer zakelijke dienstverlening en veiligheid en sectorkamer
 * handel], techniek en ict [sectorkamer techniek en gebouwde omgeving en sectorkamer creatieve industrie en
 * ICT], zorg en sport [sectorkamer zorg, welzijn en sport] en overig [bovensectoraal, entree, sectorkamer
 * onbekend, sectorkamer mobiliteit, transport, logistiek en maritiem, sectorkamer specialistisch
 * vakmanschap en sectorkamer voedsel, groen en gastvrijheid]".
 */
export interface Sectorkamer {
  readonly code: string;
  /** Index into LEVELS.sector. */
  readonly sector: number;
  /** Share of the sector's level 2-4 enrolments this sectorkamer gets (unpublished, chosen). */
  readonly share: number;
}
export const SECTORKAMERS: readonly Sectorkamer[] = [
  { code: "zakelijke_dienstverlening_veiligheid", sector: 0, share: 0.6 },
  { code: "handel", sector: 0, share: 0.4 },
  { code: "zorg_welzijn_sport", sector: 1, share: 1 },
  { code: "techniek_gebouwde_omgeving", sector: 2, share: 0.65 },
  { code: "creatieve_industrie_ict", sector: 2, share: 0.35 },
  { code: "mobiliteit_transport_logistiek_maritiem", sector: 3, share: 0.3 },
  { code: "specialistisch_vakmanschap", sector: 3, share: 0.15 },
  { code: "voedsel_groen_gastvrijheid", sector: 3, share: 0.5 },
  { code: "bovensectoraal", sector: 3, share: 0.05 },
  { code: "entree", sector: 3, share: 0 },
];
/** Index of the entree sectorkamer: every level-1 (entree) crebo belongs to it. */
export const SECTORKAMER_ENTREE = SECTORKAMERS.findIndex((s) => s.code === "entree");

/**
 * Every tolerance and limit of a fit, in one place: the control of the GLMM solver, the counterpart of
 * lme4's glmerControl().
 *
 * CONTROL_FIELDS is the documentation and the source of the defaults: per field its default, what it
 * does, and its lme4 counterpart (or that lme4 has none). A notebook can show it as a table
 * (controlFields()). glmmControl(input) returns the defaults with the given fields replaced, after
 * checking every given value; a wrong field name or value is an error that names the field.
 *
 *   glmmControl()                                       the defaults
 *   glmmControl({ newton: { maxIterations: 50 } })      one field changed
 *   fitDesign(design, { control: { pirls: { tolerance: 1e-18 } } })
 *
 * Groups, in the order the fit uses them: pirls (the inner loop that finds the conditional modes, in
 * laplace.ts), start (the starting point, optimise.ts), newton (the Newton-type iterations with an
 * approximate Hessian), polish (Newton with the full finite-difference Hessian, which also gives the
 * standard errors), lineSearch (of the bounded optimiser, optimizer.ts) and convergence (how the
 * result is judged, assemble.ts).
 */

/** What a field accepts. */
export type ControlKind = "positive" | "integer" | "count" | "fraction";

export interface ControlField {
  readonly default: number;
  readonly kind: ControlKind;
  /** What the field does, with the unit of the tolerance. */
  readonly meaning: string;
  /** Its lme4 1.1-31 counterpart, or why lme4 has none. */
  readonly lme4: string;
}

const field = (value: number, kind: ControlKind, meaning: string, lme4: string): ControlField => ({ default: value, kind, meaning, lme4 });

/** The fields of the control, by group: the documentation and the defaults. */
export const CONTROL_FIELDS = {
  pirls: {
    maxIterations: field(60, "integer", "Newton (PIRLS) iterations for the conditional modes u at one (theta, beta); more counts as a PIRLS failure in the convergence report", "maxit = 100 of mkGlmerDevfun/glmerLaplace (not in glmerControl)"),
    tolerance: field(1e-20, "positive", "PIRLS stops when the Newton decrement delta'A delta of the penalised deviance is below this (deviance units); the exact gradient needs u at its mode to ~1e-10", "tolPwrss = 1e-7, a relative change of the penalised deviance (a looser test: see test/glmm/reference.test.ts on cbpp)"),
    startTolerance: field(1e-10, "positive", "the same decrement while only a starting point is sought (stage A and the EM steps): u within ~1e-5 of its mode", "none (the nAGQ = 0 start uses tolPwrss)"),
    stencilTolerance: field(1e-13, "positive", "the same decrement at the points of a finite-difference stencil (Hessians): an error of ~3e-7 in u moves a Hessian entry by ~1e-4 relative", "none (lme4 differences its deviance with tolPwrss)"),
    stallDecrement: field(1e-14, "positive", "after stallIterations iterations a decrement below this also counts as converged (rounding can keep the decrement above a tolerance of 1e-20)", "none"),
    stallIterations: field(12, "integer", "see stallDecrement", "none"),
    maxHalvings: field(30, "integer", "step halvings per PIRLS iteration while the penalised deviance increases", "maxstephalfit = 20 in pwrssUpdate (C++, not settable)"),
    increaseRelative: field(1e-12, "positive", "a halved step is accepted when the penalised deviance rose by at most increaseRelative |PD| + increaseAbsolute (rounding)", "none (pwrssUpdate accepts pdev <= oldpdev)"),
    increaseAbsolute: field(1e-10, "positive", "see increaseRelative", "none"),
  },
  start: {
    probabilityFloor: field(1e-6, "fraction", "the intercept starts at logit(mean of y), the mean bounded to [floor, 1 - floor]", "none (glmer starts beta from a glm fit)"),
    betaMaxIterations: field(30, "count", "stage A: Newton steps for beta at the starting theta on the penalised deviance (0 skips the stage)", "nAGQ0initStep = TRUE: the nAGQ = 0 fit that optimises theta with beta inside PIRLS"),
    betaTolerance: field(1, "positive", "stage A stops when its Newton decrement is below this (deviance units)", "none"),
    emSteps: field(4, "count", "Laplace-EM steps for theta (em-start.ts) after stage A (0 skips them)", "none (see betaMaxIterations)"),
    emTolerance: field(1e-2, "positive", "the EM steps stop when no theta moved more than this", "none"),
    emVarianceFloor: field(1e-6, "positive", "an EM variance estimate is kept at or above this before its Cholesky factor is taken", "none"),
    emThetaFloor: field(1e-3, "positive", "diagonal theta from EM is kept at or above this, so that no variance starts on its bound", "none"),
  },
  newton: {
    maxIterations: field(200, "integer", "Newton-type iterations with the approximate Hessian (theta rows by differences of the gradient, beta block 2 RX'RX); GlmmOptions.maxIterations sets it too", "optCtrl maxfun = 10000 deviance evaluations of Nelder-Mead (a derivative-free method needs hundreds to thousands)"),
    tolerance: field(1e-3, "positive", "the iterations stop when the Newton decrement g'B^-1 g is below this (deviance units); the polish stage finishes", "none (lme4's Nelder-Mead stops on the simplex: optCtrl FtolAbs = 1e-5, FtolRel = 1e-15, XtolRel = 1e-7)"),
    thetaStep: field(1e-4, "positive", "relative forward-difference step max(1, |theta_k|) h of the theta rows of the approximate Hessian", "none"),
    nearDecrement: field(1, "positive", "below this decrement the approximate Hessian is reused every other iteration and RX'RX is no longer refreshed", "none"),
  },
  polish: {
    maxRounds: field(3, "count", "rounds of Newton steps with the full finite-difference Hessian (0: none, the Hessian is still computed for the standard errors)", "none (lme4 computes its Hessian after the fit, for the SEs and checks only)"),
    maxIterations: field(20, "integer", "Newton steps per round", "none"),
    tolerance: field(1e-10, "positive", "polishing stops when the Newton decrement g'H^-1 g is below this (deviance units)", "none"),
    hessianStep: field(1e-5, "positive", "relative forward-difference step max(1, |x_k|) h of the full Hessian of the deviance over (theta, beta~), also the Hessian of the standard errors", "calc.derivs = TRUE: deriv12, central differences of the deviance with delta = 1e-4 (R/deriv.R)"),
    rehessianDecrement: field(1e-3, "positive", "the Hessian is recomputed after a round that started above this decrement", "none"),
  },
  lineSearch: {
    armijo: field(1e-4, "fraction", "sufficient decrease: a step is accepted when f(x + a d) <= f(x) + armijo a g'd", "none (Nelder-Mead has no line search)"),
    maxSteps: field(40, "integer", "backtracking steps before the line search is declared failed", "none"),
    boundFraction: field(0.95, "fraction", "a step that would cross a bound is cut to this fraction of the distance to it", "none (boundary.tol = 1e-5 is another rule: after the fit lme4 tries parameters within 1e-5 of a bound on the bound)"),
    activeBound: field(1e-12, "positive", "a theta within this of its lower bound, with a gradient pushing it down, is held on the bound", "none"),
    eigenvalueFloor: field(1e-8, "positive", "an indefinite Hessian gets its eigenvalues replaced by max(|lambda|, floor max|lambda|)", "none"),
    projectedGradient: field(1e-9, "positive", "the optimiser also stops when the largest projected gradient entry is below this", "none"),
    roundingDecrement: field(1e-14, "positive", "and when the decrement is below this times 1 + |f|, the rounding level of the deviance", "none"),
  },
  convergence: {
    decrement: field(1e-6, "positive", "the fit counts as converged when the final Newton decrement is below this (the deviance within half of it of its minimum)", "none (lme4 has no second-order test; check.conv.hess = 1e-6 is an eigenvalue test)"),
    scaledGradient: field(0.002, "positive", "lme4's scaled-gradient test: above this the fit is reported as not converged", "check.conv.grad = .makeCC('warning', tol = 2e-3)"),
    singular: field(1e-4, "positive", "a diagonal theta below this is a boundary (singular) fit", "check.conv.singular tol = 1e-4 (isSingular)"),
    separationProbability: field(1e-10, "fraction", "fitted probabilities within this of 0 or 1 are reported as possible complete separation", "none (glm warns at 10 .Machine$double.eps)"),
    runawayCoefficient: field(25, "positive", "a scaled coefficient |beta~_j| above this counts as running off (separation; not converged)", "none"),
    quasiSeparationCoefficient: field(10, "positive", "a 0/1 column's |beta_j| above this with an SE above quasiSeparationSe is reported as possible quasi-complete separation", "none"),
    quasiSeparationSe: field(10, "positive", "see quasiSeparationCoefficient", "none"),
  },
} as const;

type Fields = typeof CONTROL_FIELDS;
export type ControlGroup = keyof Fields;

/** A complete control: every field of every group, as numbers. */
export type GlmmControl = { readonly [G in ControlGroup]: { readonly [F in keyof Fields[G]]: number } };

/** What a caller may give: any subset of the fields. */
export type GlmmControlInput = { readonly [G in ControlGroup]?: { readonly [F in keyof Fields[G]]?: number } };

/** A wrong control field or value; `field` is its path, e.g. "pirls.tolerance". */
export class GlmmControlError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = "GlmmControlError";
  }
}

const GROUPS = Object.keys(CONTROL_FIELDS) as ControlGroup[];

function defaults(): GlmmControl {
  const out: Record<string, Record<string, number>> = {};
  for (const g of GROUPS) {
    const group: Record<string, number> = {};
    for (const [name, f] of Object.entries(CONTROL_FIELDS[g] as Readonly<Record<string, ControlField>>)) group[name] = f.default;
    out[g] = Object.freeze(group);
  }
  return Object.freeze(out) as unknown as GlmmControl;
}

/** The defaults (frozen). */
export const DEFAULT_CONTROL: GlmmControl = defaults();

function checkValue(path: string, kind: ControlKind, value: unknown): number {
  const got = typeof value === "number" ? String(value) : JSON.stringify(value) ?? String(value);
  const fail = (rule: string): never => {
    throw new GlmmControlError(`glmm control: ${path} must be ${rule}, got ${got}`, path);
  };
  if (typeof value !== "number" || !Number.isFinite(value)) return fail("a finite number");
  switch (kind) {
    case "positive":
      if (!(value > 0)) fail("a number > 0");
      break;
    case "integer":
      if (!Number.isInteger(value) || value < 1) fail("a whole number >= 1");
      break;
    case "count":
      if (!Number.isInteger(value) || value < 0) fail("a whole number >= 0");
      break;
    case "fraction":
      if (!(value > 0 && value < 1)) fail("a number strictly between 0 and 1");
      break;
  }
  return value;
}

/**
 * The control with the given fields replaced (a complete control passes through unchanged). Every
 * given value is checked: an unknown group or field, or a value of the wrong kind, throws a
 * GlmmControlError whose message names the field and says what it accepts.
 */
export function glmmControl(input: GlmmControlInput = {}): GlmmControl {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new GlmmControlError(`glmm control: expected an object with the groups ${GROUPS.join(", ")}, got ${JSON.stringify(input)}`, "");
  }
  const out: Record<string, Record<string, number>> = {};
  const given = input as Readonly<Record<string, unknown>>;
  for (const g of Object.keys(given)) {
    if (!(GROUPS as string[]).includes(g)) {
      throw new GlmmControlError(`glmm control: unknown group "${g}" (groups: ${GROUPS.join(", ")})`, g);
    }
  }
  for (const g of GROUPS) {
    const fields = CONTROL_FIELDS[g] as Readonly<Record<string, ControlField>>;
    const values = given[g];
    if (values !== undefined && (typeof values !== "object" || values === null || Array.isArray(values))) {
      throw new GlmmControlError(`glmm control: ${g} must be an object with some of the fields ${Object.keys(fields).join(", ")}`, g);
    }
    const v = (values ?? {}) as Readonly<Record<string, unknown>>;
    for (const name of Object.keys(v)) {
      if (!(name in fields)) {
        throw new GlmmControlError(`glmm control: unknown field "${g}.${name}" (fields of ${g}: ${Object.keys(fields).join(", ")})`, `${g}.${name}`);
      }
    }
    const group: Record<string, number> = {};
    for (const [name, f] of Object.entries(fields)) {
      group[name] = v[name] === undefined ? f.default : checkValue(`${g}.${name}`, f.kind, v[name]);
    }
    out[g] = Object.freeze(group);
  }
  return Object.freeze(out) as unknown as GlmmControl;
}

/** A tolerance as the messages print it: 1e-6 rather than 0.000001, 0.002 as it is. */
export function formatTolerance(value: number): string {
  return value !== 0 && Math.abs(value) < 1e-3 ? value.toExponential() : String(value);
}

/** One row per field: what a notebook shows as the control's table (value, default, meaning, lme4). */
export function controlFields(control: GlmmControl = DEFAULT_CONTROL): { field: string; value: number; default: number; meaning: string; lme4: string }[] {
  const rows: { field: string; value: number; default: number; meaning: string; lme4: string }[] = [];
  for (const g of GROUPS) {
    const values = control[g] as Readonly<Record<string, number>>;
    for (const [name, f] of Object.entries(CONTROL_FIELDS[g] as Readonly<Record<string, ControlField>>)) {
      rows.push({ field: `${g}.${name}`, value: values[name], default: f.default, meaning: f.meaning, lme4: f.lme4 });
    }
  }
  return rows;
}

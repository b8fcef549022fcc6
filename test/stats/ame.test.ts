import { test } from "node:test";
import assert from "node:assert/strict";
import { averageMarginalEffects, type AmeOptions } from "../../src/stats/ame";
import { logistic } from "../../src/stats/logistic";
import { buildFit, INTERCEPT, level, numeric, type FitSpec } from "./fit-builder";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);

// Two students, one without and one with the dummy, no random effects: hand-checkable.
test("published AME of a dummy is beta * mean p(1-p); discrete AME is mean of p(x=1) - p(x=0)", () => {
  const fit = buildFit({
    columns: [
      { name: "(Intercept)", info: INTERCEPT, values: [1, 1] },
      { name: "leerwegbbl", info: level("leerweg", "bbl", "bol"), values: [0, 1] },
    ],
    beta: [0, 1],
    random: [],
  });
  const p1 = logistic(1);
  const published = averageMarginalEffects(fit);
  assert.equal(published.effects.length, 1, "no AME for the intercept");
  close(published.effects[0].estimate, 1 * (0.25 + p1 * (1 - p1)) / 2, 1e-15, "published");
  assert.equal(published.effects[0].method, "derivative");
  const discrete = averageMarginalEffects(fit, { convention: "discrete" });
  // Both students: p(bbl) - p(bol) = logistic(1) - logistic(0).
  close(discrete.effects[0].estimate, p1 - 0.5, 1e-15, "discrete");
  assert.equal(discrete.effects[0].method, "discreteChange");
});

// A model-2-like fit: factor migratie (2 dummies), a numeric covariate, a random slope on the
// non-western dummy per location, and a location-nested institution intercept.
function model2Like(): FitSpec {
  const n = 60;
  const mig: string[] = [];
  const x: number[] = [];
  const loc: string[] = [];
  const inst: string[] = [];
  for (let i = 0; i < n; i++) {
    mig.push(["geen", "niet-westers", "westers"][i % 3]);
    x.push(((i * 7) % 11) - 5);
    loc.push(`L${i % 4}`);
    inst.push(`I${i % 2}`);
  }
  const nw = mig.map((m) => (m === "niet-westers" ? 1 : 0));
  const w = mig.map((m) => (m === "westers" ? 1 : 0));
  const p = 4;
  // A non-diagonal vcov (positive definite: diagonally dominant).
  const vcov: number[] = [];
  for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) vcov.push(r === c ? 0.04 + 0.01 * r : 0.004 / (1 + Math.abs(r - c)));
  return {
    columns: [
      { name: "(Intercept)", info: INTERCEPT, values: new Array(n).fill(1) },
      { name: "migratieniet-westers", info: level("migratie", "niet-westers", "geen"), values: nw },
      { name: "migratiewesters", info: level("migratie", "westers", "geen"), values: w },
      { name: "leeftijd", info: numeric("leeftijd"), values: x },
    ],
    beta: [-0.4, 0.6, 0.2, -0.15],
    vcov,
    random: [
      {
        group: "locatie",
        terms: ["(Intercept)", "niet_westers"],
        rowLevels: loc,
        z: { niet_westers: nw },
        sigma: [0.3, 0.05, 0.05, 0.2],
        modes: { L0: [0.2, 0.3], L1: [-0.1, -0.4], L2: [0.05, 0.1], L3: [-0.3, 0.2] },
      },
      { group: "instelling", terms: ["(Intercept)"], rowLevels: inst, z: {}, sigma: [0.1], modes: { I0: [0.15], I1: [-0.15] } },
    ],
  };
}

// Brute force: AME from predicted probabilities with a counterfactual / perturbed design, as R's
// predict() on modified data does, b_hat held fixed.
function bruteForce(spec: FitSpec, beta: number[], options: AmeOptions): number[] {
  const n = spec.columns[0].values.length;
  const included = (options.randomEffects ?? "included") === "included";
  const loc = spec.random[0];
  const inst = spec.random[1];
  const nwIndex = 1;
  const eta = (row: number, xs: number[]): number => {
    let e = 0;
    for (let j = 0; j < xs.length; j++) e += xs[j] * beta[j];
    if (included) {
      const m = loc.modes[loc.rowLevels[row]];
      e += m[0] + m[1] * xs[nwIndex] + inst.modes[inst.rowLevels[row]][0];
    }
    return e;
  };
  const out: number[] = [];
  for (let j = 1; j < spec.columns.length; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const xs = spec.columns.map((c) => c.values[i]);
      const isFactor = spec.columns[j].info.kind === "factorLevel";
      if (options.convention === "discrete" && isFactor) {
        const on = xs.slice();
        const off = xs.slice();
        for (let d = 1; d < xs.length; d++) {
          if (spec.columns[d].info.variable === spec.columns[j].info.variable) {
            on[d] = d === j ? 1 : 0;
            off[d] = 0;
          }
        }
        s += logistic(eta(i, on)) - logistic(eta(i, off));
      } else {
        // Central difference of p in x_j; the slope follows x_j because z = x_j for the non-western dummy.
        const h = 1e-5;
        const up = xs.slice();
        const down = xs.slice();
        up[j] += h;
        down[j] -= h;
        s += (logistic(eta(i, up)) - logistic(eta(i, down))) / (2 * h);
      }
    }
    out.push(s / n);
  }
  return out;
}

for (const convention of ["published", "discrete"] as const) {
  for (const randomEffects of ["included", "excluded"] as const) {
    test(`AME ${convention}, random effects ${randomEffects}: estimates equal brute-force predictions and SEs equal the numerical delta method`, () => {
      const spec = model2Like();
      const fit = buildFit(spec);
      const result = averageMarginalEffects(fit, { convention, randomEffects });
      const expected = bruteForce(spec, spec.beta, { convention, randomEffects });
      assert.deepEqual(result.effects.map((e) => e.term), ["migratieniet-westers", "migratiewesters", "leeftijd"]);
      result.effects.forEach((e, m) => close(e.estimate, expected[m], 1e-8, `${e.term} estimate`));
      assert.equal(result.effects[0].randomSlope, randomEffects === "included");
      // Delta method by numerical Jacobian of the brute-force AMEs over beta.
      const p = spec.beta.length;
      const h = 1e-6;
      const jac: number[][] = result.effects.map(() => new Array(p).fill(0));
      for (let k = 0; k < p; k++) {
        const up = spec.beta.slice();
        const down = spec.beta.slice();
        up[k] += h;
        down[k] -= h;
        const a = bruteForce(spec, up, { convention, randomEffects });
        const b = bruteForce(spec, down, { convention, randomEffects });
        for (let m = 0; m < a.length; m++) jac[m][k] = (a[m] - b[m]) / (2 * h);
      }
      result.effects.forEach((e, m) => {
        let q = 0;
        for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) q += jac[m][r] * fit.vcov[r * p + c] * jac[m][c];
        // Nested finite differences (x then beta) carry ~1e-6 relative noise.
        close(e.se, Math.sqrt(q), 1e-4 * Math.sqrt(q), `${e.term} se`);
      });
    });
  }
}

test("with the random slope included, the published AME of the slope dummy is mean p(1-p)(beta + b_loc), not beta mean p(1-p)", () => {
  const spec = model2Like();
  const fit = buildFit(spec);
  const result = averageMarginalEffects(fit);
  let s = 0;
  const locs = spec.random[0];
  for (let i = 0; i < fit.nobs; i++) {
    const p = fit.fitted[i];
    s += p * (1 - p) * (spec.beta[1] + locs.modes[locs.rowLevels[i]][1]);
  }
  close(result.effects[0].estimate, s / fit.nobs, 1e-15, "slope AME");
  assert.notEqual(result.effects[0].estimate, spec.beta[1] * result.meanDensity);
  close(result.effects[1].estimate, spec.beta[2] * result.meanDensity, 1e-15, "no slope: beta * mean density");
});

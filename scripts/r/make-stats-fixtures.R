#!/usr/bin/env Rscript
# Reference fixtures for the post-fit statistics (issue 5): Nakagawa's R2 and the ICC from
# `performance`, average marginal effects computed in R from predictions on counterfactual data (two
# conventions, random effects included or not, delta-method SEs), and likelihood-ratio tests.
#
# Fits (all on test/fixtures/glmm/c_model2.csv, the model-2-shaped data, plus the uncorrelated-slope
# data set h): model 0 (empty, three levels), model 1a (+ migratie), model 1c (all covariates, random
# intercepts), model 2 (+ random slope of niet_westers per locatie), and h (uncorrelated intercept
# and slope). Each fixture JSON carries the fitted inputs (fixef, vcov, theta, VarCorr, conditional
# modes) so the TS tests can recompute every statistic from the same parameters without refitting.
#
# Usage (from the repository root, after make-glmm-fixtures.R):
#   Rscript scripts/r/make-stats-fixtures.R [--cache DIR]
# --cache DIR keeps the glmer fits as .rds files in DIR and reuses them (development, or to fit the
# models in parallel processes: `--cache DIR --fit-only m2` fits and caches one model, m0/m1a/m1c/m2/h).

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
source(file.path(here, "fixture-helpers.R"))
suppressPackageStartupMessages(library(performance))

targs <- commandArgs(trailingOnly = TRUE)
opt <- function(key) { i <- match(key, targs); if (is.na(i) || i == length(targs)) NULL else targs[i + 1] }
cache <- opt("--cache")
fit_only <- opt("--fit-only")
if (!is.null(cache)) dir.create(cache, showWarnings = FALSE, recursive = TRUE)
if (!is.null(fit_only) && is.null(cache)) stop("--fit-only needs --cache")

glmm_dir <- file.path("test", "fixtures", "glmm")
out_dir <- file.path("test", "fixtures", "stats")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

# Read a fixture data set: the listed factor columns (grouping factors included) as factors.
read_for <- function(csv, factors) {
  d <- read_fixture_csv(file.path(glmm_dir, csv), factors)
  list(data = d, csv = csv)
}

fit_cached <- function(name, formula, data) {
  path <- if (is.null(cache)) NULL else file.path(cache, paste0(name, ".rds"))
  lock <- paste0(path, ".lock")
  # Another process (--fit-only) is fitting this model: wait for its result.
  while (!is.null(path) && file.exists(lock) && !file.exists(path)) Sys.sleep(5)
  if (!is.null(path) && file.exists(path)) return(readRDS(path))
  if (!is.null(path) && !is.null(fit_only)) { file.create(lock); on.exit(unlink(lock)) }
  cat(sprintf("[%s] fitting %s ...\n", format(Sys.time(), "%H:%M:%S"), name))
  r <- fit_glmer_timed(as.formula(formula), data)
  cat(sprintf("  %.1f s, logLik %.4f\n", r$elapsed, as.numeric(logLik(r$fit))))
  if (!is.null(path)) saveRDS(r, path)
  r
}

# ---------------------------------------------------------------------------------------------------
# Nakagawa R2 and ICC
# ---------------------------------------------------------------------------------------------------

# The variance components by hand, as Nakagawa, Johnson & Schielzeth (2017) define them for a logit GLMM:
#   sigma2_f = var(X beta) (n - 1 denominator), sigma2_r = sum_k mean_i z_ki' Sigma_k z_ki (every
#   random-effects column, slopes included), sigma2_d = pi^2 / 3.
variances_by_hand <- function(fit) {
  X <- getME(fit, "X")
  vf <- var(as.vector(X %*% fixef(fit)))
  mf <- model.frame(fit)
  vc <- VarCorr(fit)
  per_term <- list()
  vr <- 0
  for (k in seq_along(vc)) {
    S <- as.matrix(vc[[k]])
    terms <- fit@cnms[[k]]
    Zk <- sapply(terms, function(t) if (t == "(Intercept)") rep(1, nrow(mf)) else as.numeric(mf[[t]]))
    Zk <- matrix(Zk, nrow = nrow(mf))
    v <- mean(rowSums((Zk %*% S) * Zk))
    per_term[[k]] <- list(group = names(fit@cnms)[k], terms = as.list(terms), meanZSigmaZ = v)
    vr <- vr + v
  }
  vd <- pi^2 / 3
  list(fixed = vf, random = vr, distribution = vd, perTerm = per_term,
       r2Marginal = vf / (vf + vr + vd), r2Conditional = (vf + vr) / (vf + vr + vd))
}

# A named element of what performance/insight returned, or NULL when it returned NA (e.g. a singular fit:
# "Can't compute random effect variances"); the warnings say why.
field <- function(v, name) if (is.list(v) && !is.null(v[[name]])) unname(v[[name]]) else NULL

r2_and_icc <- function(fit, with_icc) {
  r2 <- with_conditions(performance::r2_nakagawa(fit))
  gv <- with_conditions(insight::get_variance(fit))
  v <- gv$value
  out <- list(
    r2Nakagawa = list(
      conditional = field(r2$value, "R2_conditional"),
      marginal = field(r2$value, "R2_marginal"),
      warnings = as.list(r2$warnings), messages = as.list(r2$messages)
    ),
    insightGetVariance = list(
      varFixed = field(v, "var.fixed"), varRandom = field(v, "var.random"), varResidual = field(v, "var.residual"),
      varDistribution = field(v, "var.distribution"), varDispersion = field(v, "var.dispersion"),
      varIntercept = as.list(v$var.intercept), varSlope = as.list(v$var.slope),
      corSlopeIntercept = as.list(v$cor.slope_intercept),
      warnings = as.list(gv$warnings), messages = as.list(gv$messages)
    ),
    distributionVarianceNote = "performance 0.10.2 / insight 0.19.0 for binomial logit: var.distribution = pi^2/3 (the theoretical logit-link variance), var.dispersion = 0, so var.residual = pi^2/3",
    byHand = variances_by_hand(fit)
  )
  if (with_icc) {
    ic <- with_conditions(performance::icc(fit))
    icg <- with_conditions(performance::icc(fit, by_group = TRUE))
    out$icc <- list(
      adjusted = field(ic$value, "ICC_adjusted"),
      unadjusted = field(ic$value, "ICC_unadjusted"),
      byGroup = if (is.data.frame(icg$value)) lapply(seq_len(nrow(icg$value)), function(i) list(group = as.character(icg$value$Group[i]), icc = icg$value$ICC[i])) else NULL,
      warnings = as.list(c(ic$warnings, icg$warnings)), messages = as.list(c(ic$messages, icg$messages))
    )
  }
  out
}

# ---------------------------------------------------------------------------------------------------
# Average marginal effects
# ---------------------------------------------------------------------------------------------------
#
# Linear predictor with the conditional modes, split so that counterfactual X can be plugged in:
#   eta_i(X*, beta) = x*_i' beta + r_i + sum_{j linked} s_ij x*_ij,
#   r_i = z_i' b_hat - sum_{j linked} s_ij x_ij,
# where a fixed-effect column j is "linked" to a random slope when the slope's Z column is the same
# variable (model 2: X column migratieniet-westers <-> Z column niet_westers of locatie; h: x <-> x),
# and s_ij is that slope's conditional mode for row i's group. Changing the dummy moves the slope with
# it, so the published derivative for a slope term is p(1-p)(beta_j + b_loc), as the issue states.
# Population level (re.form = NA): eta_i = x*_i' beta.

ame_setup <- function(fit, links) {
  X <- as.matrix(getME(fit, "X"))
  beta <- fixef(fit)
  eta_full <- as.vector(predict(fit, type = "link"))
  re_total <- eta_full - as.vector(X %*% beta)
  n <- nrow(X)
  S <- matrix(0, n, ncol(X), dimnames = list(NULL, colnames(X)))
  re <- ranef(fit)
  mf <- model.frame(fit)
  for (j in names(links)) {
    lk <- links[[j]]
    modes <- re[[lk$group]][, lk$term]
    names(modes) <- rownames(re[[lk$group]])
    S[, j] <- modes[as.character(mf[[lk$group]])]
  }
  base <- re_total - rowSums(S * X)
  # Factor dummies per factor term (for the discrete-change convention).
  assign <- attr(getME(fit, "X"), "assign")
  labels <- attr(terms(fit, fixed.only = TRUE), "term.labels")
  factor_of <- rep(NA_character_, ncol(X))
  for (j in seq_len(ncol(X))) {
    if (assign[j] > 0) {
      lab <- labels[assign[j]]
      if (is.factor(mf[[lab]])) factor_of[j] <- lab
    }
  }
  list(X = X, beta = beta, S = S, base = base, factor_of = factor_of, mf = mf, eta_full = eta_full)
}

eta_of <- function(st, Xs, beta, re) {
  e <- as.vector(Xs %*% beta)
  if (re) e <- e + st$base + rowSums(st$S * Xs)
  e
}

# AME of column j as a function of beta: "derivative" (central difference of the mean prediction in x_j,
# step h) or "discreteChange" (level dummy 1 vs all dummies of its factor 0).
ame_value <- function(st, j, beta, re, method, h = 1e-4) {
  X <- st$X
  if (method == "derivative") {
    Xp <- X; Xp[, j] <- Xp[, j] + h
    Xm <- X; Xm[, j] <- Xm[, j] - h
    mean((plogis(eta_of(st, Xp, beta, re)) - plogis(eta_of(st, Xm, beta, re))) / (2 * h))
  } else {
    same <- which(st$factor_of == st$factor_of[j])
    X0 <- X; X0[, same] <- 0
    X1 <- X0; X1[, j] <- 1
    mean(plogis(eta_of(st, X1, beta, re)) - plogis(eta_of(st, X0, beta, re)))
  }
}

# The analytic value and beta-gradient (as a check on the numerical ones).
ame_analytic <- function(st, j, re, method) {
  X <- st$X; beta <- st$beta
  if (method == "derivative") {
    p <- plogis(eta_of(st, X, beta, re)); w <- p * (1 - p)
    slope <- beta[j] + (if (re) st$S[, j] else 0)
    val <- mean(w * slope)
    g <- colMeans(X * (w * (1 - 2 * p) * slope)); g[j] <- g[j] + mean(w)
  } else {
    same <- which(st$factor_of == st$factor_of[j])
    X0 <- X; X0[, same] <- 0
    X1 <- X0; X1[, j] <- 1
    p1 <- plogis(eta_of(st, X1, beta, re)); p0 <- plogis(eta_of(st, X0, beta, re))
    val <- mean(p1 - p0)
    # d/dbeta: X1' w1 - X0' w0, plus the slope column moving with the dummy (held fixed: b is fixed).
    g <- colMeans(X1 * (p1 * (1 - p1))) - colMeans(X0 * (p0 * (1 - p0)))
  }
  list(value = val, gradient = g)
}

numeric_jacobian <- function(st, j, re, method, step = 1e-5) {
  vapply(seq_along(st$beta), function(k) {
    bp <- st$beta; bp[k] <- bp[k] + step
    bm <- st$beta; bm[k] <- bm[k] - step
    (ame_value(st, j, bp, re, method) - ame_value(st, j, bm, re, method)) / (2 * step)
  }, 0)
}

# Cross-check with predict(type = "response") on counterfactual data frames: factor set to a level (and
# linked Z columns set to match), or a numeric column shifted by +-h.
ame_by_predict <- function(fit, st, j, re, method, cf_hook, h = 1e-4) {
  d <- st$mf
  rf <- if (re) NULL else NA
  pr <- function(nd) as.vector(predict(fit, newdata = nd, type = "response", re.form = rf))
  cn <- colnames(st$X)[j]
  fac <- st$factor_of[j]
  if (is.na(fac)) {
    dp <- d; dp[[cn]] <- dp[[cn]] + h
    dm <- d; dm[[cn]] <- dm[[cn]] - h
    if (!is.null(cf_hook)) { dp <- cf_hook(dp, cn, h); dm <- cf_hook(dm, cn, -h) }
    return(mean((pr(dp) - pr(dm)) / (2 * h)))
  }
  if (method == "derivative") return(NA_real_) # a dummy cannot be moved by h through a factor column
  lev <- substring(cn, nchar(fac) + 1)
  d1 <- d; d1[[fac]] <- factor(lev, levels = levels(d[[fac]]))
  d0 <- d; d0[[fac]] <- factor(levels(d[[fac]])[1], levels = levels(d[[fac]]))
  if (!is.null(cf_hook)) { d1 <- cf_hook(d1, fac, NULL); d0 <- cf_hook(d0, fac, NULL) }
  mean(pr(d1) - pr(d0))
}

average_marginal_effects <- function(fit, links, cf_hook = NULL) {
  st <- ame_setup(fit, links)
  stopifnot(max(abs(st$eta_full - eta_of(st, st$X, st$beta, TRUE))) < 1e-10)
  V <- as.matrix(vcov(fit))
  VRX <- as.matrix(vcov(fit, use.hessian = FALSE))
  cols <- which(colnames(st$X) != "(Intercept)")
  one <- function(convention, re) {
    lapply(cols, function(j) {
      method <- if (convention == "published" || is.na(st$factor_of[j])) "derivative" else "discreteChange"
      est <- ame_value(st, j, st$beta, re, method)
      J <- numeric_jacobian(st, j, re, method)
      an <- ame_analytic(st, j, re, method)
      if (abs(an$value - est) > 1e-8) stop("AME check failed for ", colnames(st$X)[j], ": ", an$value, " vs ", est)
      if (max(abs(an$gradient - J)) > 1e-5 * max(1, max(abs(J)))) stop("Jacobian check failed for ", colnames(st$X)[j])
      byp <- ame_by_predict(fit, st, j, re, method, cf_hook)
      if (!is.na(byp) && abs(byp - est) > 1e-8) stop("predict() check failed for ", colnames(st$X)[j], ": ", byp, " vs ", est)
      list(
        term = colnames(st$X)[j],
        factor = if (is.na(st$factor_of[j])) NULL else st$factor_of[j],
        method = method,
        randomSlope = re && colnames(st$X)[j] %in% names(links),
        estimate = est,
        se = sqrt(drop(t(J) %*% V %*% J)),
        seRX = sqrt(drop(t(J) %*% VRX %*% J)),
        predictCheck = if (is.na(byp)) NULL else byp
      )
    })
  }
  p <- plogis(st$eta_full)
  p_pop <- plogis(as.vector(st$X %*% st$beta))
  list(
    definition = paste(
      "published: mean over rows of the central difference (h = 1e-4) of p_i when h is added to the model-matrix column",
      "(dummies as numbers; a linked random-slope column moves with it, so the derivative is p(1-p)(beta_j + b_loc));",
      "discrete: for factor dummies mean(p(level) - p(reference)) with the other dummies of the factor at 0, numeric columns as published.",
      "reIncluded: predictions with the conditional modes (predict(type = 'response'), re.form = NULL); reExcluded: re.form = NA.",
      "se: delta method sqrt(J' V J), V = vcov(fit) (Hessian-based, lme4 1.1-31 default), J = d AME / d beta by central differences (step 1e-5),",
      "random effects held at their modes; seRX the same with V = vcov(fit, use.hessian = FALSE).",
      "Every estimate is checked against the analytic formula (1e-8) and, where a counterfactual data frame exists, against predict(newdata)."
    ),
    links = if (length(links)) links else structure(list(), names = character(0)),
    meanDensity = list(reIncluded = mean(p * (1 - p)), reExcluded = mean(p_pop * (1 - p_pop))),
    published = list(reIncluded = one("published", TRUE), reExcluded = one("published", FALSE)),
    discrete = list(reIncluded = one("discrete", TRUE), reExcluded = one("discrete", FALSE))
  )
}

# ---------------------------------------------------------------------------------------------------
# Inputs the TS tests need to recompute everything from the same parameters
# ---------------------------------------------------------------------------------------------------

fit_inputs <- function(fit) {
  beta <- fixef(fit)
  list(
    fixefNames = as.list(names(beta)),
    fixef = as.list(unname(beta)),
    vcov = unname(as.matrix(vcov(fit))),
    vcovRX = unname(as.matrix(vcov(fit, use.hessian = FALSE))),
    theta = as.list(unname(getME(fit, "theta"))),
    varcorr = lme4_varcorr(fit),
    ranef = lme4_ranef(fit),
    logLik = as.numeric(logLik(fit)),
    nobs = nobs(fit),
    singular = isSingular(fit)
  )
}

write_stats_fixture <- function(name, description, src, formula, r, stats) {
  out <- c(
    list(
      name = name,
      description = description,
      data = file.path("..", "glmm", src$csv),
      nrow = nrow(src$data),
      columns = describe_columns(src$data[, intersect(names(src$data), all.vars(as.formula(formula))), drop = FALSE]),
      formula = formula,
      software = software_versions(),
      convergence = lme4_convergence(r$fit, r$caught$warnings, r$caught$messages),
      inputs = fit_inputs(r$fit)
    ),
    stats
  )
  write_json_file(out, file.path(out_dir, paste0(name, ".json")))
  cat(sprintf("  wrote %s.json\n", name))
}

# ---------------------------------------------------------------------------------------------------

c_src <- read_for("c_model2.csv", c("migratie", "ouders", "geslacht", "niveau", "sector", "leerweg", "citojaar", "locatie", "instelling"))
d <- c_src$data
groups <- "(1 | locatie) + (1 | instelling)"
covariates <- "ouders + geslacht + leeftijd + niveau + sector + leerweg + cito + cito_missing + citojaar"
f0 <- paste("doorstroom ~ 1 +", groups)
f1a <- paste("doorstroom ~ migratie +", groups)
f1c <- paste("doorstroom ~ migratie +", covariates, "+", groups)
f2 <- paste("doorstroom ~ migratie +", covariates, "+ (1 + niet_westers | locatie) + (1 | instelling)")

if (!is.null(fit_only)) {
  fl <- list(m0 = f0, m1a = f1a, m1c = f1c, m2 = f2)
  if (fit_only == "h") {
    invisible(fit_cached("h", "y ~ x + (1 | g) + (0 + x | g)", read_for("h_uncorrelated_slope.csv", "g")$data))
  } else {
    if (is.null(fl[[fit_only]])) stop("--fit-only: unknown model ", fit_only)
    invisible(fit_cached(fit_only, fl[[fit_only]], d))
  }
  quit(save = "no")
}

# In the model-2 data, niet_westers is the migratie dummy as a number: keep them in step.
nw_hook <- function(nd, changed, h) {
  if (identical(changed, "migratie")) nd$niet_westers <- as.integer(nd$migratie == "niet-westers")
  nd
}
links_m2 <- list("migratieniet-westers" = list(group = "locatie", term = "niet_westers"))

m0 <- fit_cached("m0", f0, d)
write_stats_fixture("model0", "Model 0 (empty three-level) on the model-2 data: ICC and R2.", c_src, f0, m0,
                    r2_and_icc(m0$fit, with_icc = TRUE))
m1a <- fit_cached("m1a", f1a, d)
write_stats_fixture("model1a", "Model 1a (migratie only) on the model-2 data: R2 and AMEs.", c_src, f1a, m1a,
                    c(r2_and_icc(m1a$fit, with_icc = FALSE), list(ame = average_marginal_effects(m1a$fit, list(), nw_hook))))
m1c <- fit_cached("m1c", f1c, d)
write_stats_fixture("model1c", "Model 1c (all covariates, random intercepts) on the model-2 data: R2 and AMEs.", c_src, f1c, m1c,
                    c(r2_and_icc(m1c$fit, with_icc = FALSE), list(ame = average_marginal_effects(m1c$fit, list(), nw_hook))))
m2 <- fit_cached("m2", f2, d)
write_stats_fixture("model2", "Model 2 (correlated random slope of niet_westers per locatie) = the c_model2 fit: R2, ICC and AMEs.", c_src, f2, m2,
                    c(r2_and_icc(m2$fit, with_icc = TRUE), list(ame = average_marginal_effects(m2$fit, links_m2, nw_hook))))

h_src <- read_for("h_uncorrelated_slope.csv", "g")
fh <- "y ~ x + (1 | g) + (0 + x | g)"
mh <- fit_cached("h", fh, h_src$data)
write_stats_fixture("h_uncorrelated_slope", "Uncorrelated random intercept and slope (1 | g) + (0 + x | g): R2, ICC and AMEs with the slope on x.",
                    h_src, fh, mh,
                    c(r2_and_icc(mh$fit, with_icc = TRUE), list(ame = average_marginal_effects(mh$fit, list(x = list(group = "g", term = "x"))))))

# Likelihood-ratio tests of nested pairs (anova.merMod: no refit for glmer).
lrt <- function(a, b, label) {
  t <- anova(a$fit, b$fit)
  list(comparison = label, models = as.list(rownames(t)), npar = as.list(t$npar), logLik = as.list(t$logLik),
       aic = as.list(t$AIC), bic = as.list(t$BIC), deviance = as.list(t$deviance),
       chisq = t$Chisq[2], df = t[["Df"]][2], p = t[["Pr(>Chisq)"]][2])
}
write_json_file(list(
  name = "lrt",
  description = "Likelihood-ratio tests from anova(m_small, m_big) on the c_model2 data; Chisq = 2 (logLik_big - logLik_small), df = difference in parameter count, p from the chi-square distribution (no boundary correction).",
  data = file.path("..", "glmm", c_src$csv),
  formulas = list(model0 = f0, model1a = f1a, model1c = f1c, model2 = f2),
  software = software_versions(),
  tests = list(lrt(m0, m1a, "model0 vs model1a"), lrt(m1a, m1c, "model1a vs model1c"), lrt(m1c, m2, "model1c vs model2"))
), file.path(out_dir, "lrt.json"))
cat("  wrote lrt.json\n")

#!/usr/bin/env Rscript
# Reference intervals for issue 13 (src/inference, src/stats/ame.ts): lme4's profile intervals, bootMer's
# percentile intervals and the average marginal effects in three random-effects conventions, written as
# JSON beside this data into test/fixtures/intervals/.
#
# Usage (from the repository root):
#   Rscript scripts/r/make-interval-fixtures.R                  # everything (R needs about an hour of CPU)
#   Rscript scripts/r/make-interval-fixtures.R data             # only the new data set i_slope.csv
#   Rscript scripts/r/make-interval-fixtures.R profile:i_slope profile:a_two_level boot:g_cbpp ame
#
# Cases:
#   data            i_slope.csv: 3,000 Bernoulli rows in the shape of model 2 (a 3-level factor `m` whose
#                   level "nw" also has a random slope `nw` per group g, a numeric covariate w, groups g
#                   nested in h): y ~ m + w + (1 + nw | g) + (1 | h)
#   profile:NAME    confint(fit, method = "profile", oldNames = FALSE) and the profile itself (zeta at
#                   every point lme4 visited) -> NAME.profile.json; NAME is i_slope or one of the GLMM
#                   fixtures of test/fixtures/glmm (a_two_level, b_nested_unique, d_crossed, e_singular,
#                   f_aggregated, g_cbpp, h_uncorrelated_slope)
#   boot:NAME       bootMer(fit, FUN, nsim, use.u = FALSE, type = "parametric") with FUN = the SDs and
#                   correlations (confint names), the fixed effects, the adjusted ICC, Nakagawa's R2 and
#                   the published AMEs (conditional on the modes); boot.ci percentile, basic and normal
#                   intervals, and the mean, SD and quantiles of every statistic -> NAME.boot.json
#   bootci          boot.ci's percentile, basic and normal limits of fixed replicates -> boot-ci.json
#   ame             AMEs of the i_slope fit in the published (derivative) and discrete conventions, each
#                   conditional on the modes, at zero random effects and integrated over N(0, Sigma)
#                   (trapezoid rule on a fine grid, independent of the solver's Gauss-Hermite rule), with
#                   delta-method SEs from vcov(fit) by central differences in beta -> i_slope.ame.json
#
# Seeds are fixed; the numbers are reproducible for the versions recorded in each file (R 4.2.2,
# lme4 1.1-31 from Debian bookworm).

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
source(file.path(here, "fixture-helpers.R"))

out_dir <- file.path("test", "fixtures", "intervals")
glmm_dir <- file.path("test", "fixtures", "glmm")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

stamp <- function(...) cat(sprintf("[%s] %s\n", format(Sys.time(), "%H:%M:%S"), paste0(...)))

# ---------------------------------------------------------------------------------------------------
# The new data set: model 2's shape at 3,000 rows.
# ---------------------------------------------------------------------------------------------------

make_i_slope <- function() {
  set.seed(20260413)
  G <- 80
  H <- 15
  n <- 3000
  h_of_g <- c(seq_len(H), sample(H, G - H, replace = TRUE))
  g <- sample(G, n, replace = TRUE, prob = runif(G, 0.4, 1.6))
  m <- sample(c("geen", "nw", "w"), n, replace = TRUE, prob = c(0.6, 0.25, 0.15))
  nw <- as.integer(m == "nw")
  w <- round(rnorm(n), 3)
  sd0 <- 0.7
  sd1 <- 0.5
  rho <- 0.3
  L <- matrix(c(sd0, 0, rho * sd1, sd1 * sqrt(1 - rho^2)), 2, byrow = TRUE)
  b <- t(L %*% matrix(rnorm(2 * G), 2))
  c_h <- rnorm(H, 0, 0.4)
  eta <- -0.2 + 0.6 * nw - 0.3 * (m == "w") + 0.4 * w + b[g, 1] + b[g, 2] * nw + c_h[h_of_g[g]]
  y <- rbinom(n, 1, plogis(eta))
  d <- data.frame(y = y, m = m, nw = nw, w = w, g = sprintf("g%02d", g), h = sprintf("h%02d", h_of_g[g]))
  write_csv_file(d, file.path(out_dir, "i_slope.csv"))
  invisible(d)
}

i_slope_case <- list(
  name = "i_slope",
  csv = file.path(out_dir, "i_slope.csv"),
  formula = "y ~ m + w + (1 + nw | g) + (1 | h)",
  factors = c("m", "g", "h"),
  description = "Model 2's shape at 3,000 Bernoulli rows: a 3-level factor m (reference geen) whose level nw also has a random slope nw per group g (80 groups nested in 15 groups h), a numeric w; truth: beta = (-0.2, nw 0.6, w -0.3, w 0.4), SD(g) 0.7, SD(nw | g) 0.5, cor 0.3, SD(h) 0.4"
)

glmm_case <- function(name) {
  meta <- jsonlite::fromJSON(file.path(glmm_dir, paste0(name, ".json")), simplifyVector = FALSE)
  factors <- names(Filter(function(col) identical(col$type, "factor"), meta$columns))
  list(name = name, csv = file.path(glmm_dir, meta$data), formula = meta$formula, factors = factors,
       description = meta$description)
}

case_of <- function(name) if (name == "i_slope") i_slope_case else glmm_case(name)

fit_case <- function(case) {
  d <- read_fixture_csv(case$csv, case$factors)
  t0 <- proc.time()
  caught <- with_conditions(glmer(as.formula(case$formula), data = d, family = binomial))
  list(fit = caught$value, data = d, caught = caught, seconds = (proc.time() - t0)[["elapsed"]])
}

# The names confint(..., oldNames = FALSE) prints, in theta order, and the values on that scale.
sdcor_names <- function(fit) {
  cnms <- fit@cnms
  groups <- names(cnms)
  out <- character(0)
  for (k in seq_along(cnms)) {
    nm <- cnms[[k]]
    kk <- length(nm)
    for (c in seq_len(kk)) for (r in c:kk) {
      out <- c(out, if (r == c) sprintf("sd_%s|%s", nm[r], groups[k]) else sprintf("cor_%s.%s|%s", nm[r], nm[c], groups[k]))
    }
  }
  out
}

sdcor_values <- function(fit) {
  vc <- VarCorr(fit)
  out <- numeric(0)
  for (k in seq_along(vc)) {
    S <- vc[[k]]
    sds <- attr(S, "stddev")
    C <- attr(S, "correlation")
    kk <- length(sds)
    for (c in seq_len(kk)) for (r in c:kk) out <- c(out, if (r == c) unname(sds[r]) else unname(C[r, c]))
  }
  out
}

fixed_summary <- function(fit) {
  b <- fixef(fit)
  list(names = as.list(names(b)), estimates = as.list(unname(b)), se = as.list(unname(sqrt(diag(as.matrix(vcov(fit)))))))
}

# ---------------------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------------------

run_profile <- function(name) {
  case <- case_of(name)
  stamp("profile ", name, ": glmer ...")
  f <- fit_case(case)
  fit <- f$fit
  stamp("  fitted in ", round(f$seconds, 1), " s; profile ...")
  t0 <- proc.time()
  pc <- with_conditions(tryCatch(profile(fit, signames = FALSE), error = function(e) e))
  seconds <- (proc.time() - t0)
  ok <- !inherits(pc$value, "error")
  intervals <- NULL
  points <- NULL
  ci_conditions <- list(warnings = character(0), messages = character(0))
  if (ok) {
    pr <- pc$value
    cc <- with_conditions(confint(pr, level = 0.95))
    ci_conditions <- cc
    ci <- cc$value
    intervals <- lapply(seq_len(nrow(ci)), function(i) list(parameter = rownames(ci)[i], lower = unname(ci[i, 1]), upper = unname(ci[i, 2])))
    df <- as.data.frame(pr)
    params <- unique(as.character(df$.par))
    points <- lapply(params, function(p) {
      rows <- df[as.character(df$.par) == p, ]
      list(parameter = p, value = as.list(rows[[p]]), zeta = as.list(rows$.zeta))
    })
  }
  out <- list(
    name = name,
    description = case$description,
    data = basename(case$csv),
    dataFolder = dirname(case$csv),
    formula = case$formula,
    factors = as.list(case$factors),
    software = software_versions(),
    call = "profile(fit, signames = FALSE); confint(profile, level = 0.95) (= confint(fit, method = \"profile\", oldNames = FALSE))",
    fit = list(
      logLik = as.numeric(logLik(fit)),
      theta = as.list(unname(getME(fit, "theta"))),
      sdcorNames = as.list(sdcor_names(fit)),
      sdcor = as.list(sdcor_values(fit)),
      fixef = fixed_summary(fit),
      singular = isSingular(fit),
      fitWarnings = as.list(f$caught$warnings),
      seconds = f$seconds
    ),
    profile = list(
      completed = ok,
      error = if (ok) NULL else conditionMessage(pc$value),
      warnings = as.list(c(pc$warnings, ci_conditions$warnings)),
      messages = as.list(c(pc$messages, ci_conditions$messages)),
      cpuSeconds = seconds[["user.self"]] + seconds[["sys.self"]],
      elapsedSeconds = seconds[["elapsed"]],
      level = 0.95,
      intervals = intervals,
      points = points
    )
  )
  write_json_file(out, file.path(out_dir, paste0(name, ".profile.json")))
  stamp("  wrote ", name, ".profile.json (", round(out$profile$cpuSeconds, 1), " s CPU; ", length(out$profile$warnings), " warning(s))")
}

# ---------------------------------------------------------------------------------------------------
# Parametric bootstrap
# ---------------------------------------------------------------------------------------------------

# Nakagawa's R2 and the adjusted ICC as performance::r2_nakagawa / icc compute them for a logit GLMM
# (src/stats/variance-components.ts): sigma2_f = var(X beta), sigma2_r = sum over terms of the mean over
# rows of z' Sigma z for the columns whose names are columns of X (the intercept and e.g. `nw` when it is
# a column of X; here it is not: X holds `mnw`, so, as performance does, the slope is left out), pi^2/3.
variance_statistics <- function(fit) {
  X <- getME(fit, "X")
  vf <- var(as.vector(X %*% fixef(fit)))
  vc <- VarCorr(fit)
  cn <- colnames(X)
  seen <- character(0)
  vr <- 0
  for (k in seq_along(vc)) {
    g <- names(fit@cnms)[k]
    S <- as.matrix(vc[[k]])
    nm <- fit@cnms[[k]]
    if (g %in% seen) next
    seen <- c(seen, g)
    keep <- which(nm == "(Intercept)" | nm %in% cn)
    Zc <- sapply(nm[keep], function(v) if (v == "(Intercept)") rep(1, nrow(X)) else X[, v])
    Zc <- matrix(Zc, nrow = nrow(X))
    vr <- vr + mean(rowSums((Zc %*% S[keep, keep, drop = FALSE]) * Zc))
  }
  vd <- pi^2 / 3
  c(icc_adjusted = vr / (vr + vd), r2_marginal = vf / (vf + vr + vd), r2_conditional = (vf + vr) / (vf + vr + vd))
}

# Published AMEs (mean derivative, every column numeric), conditional on the modes: mean p(1-p)(beta_j + b_ij)
# with b_ij the random slope of a column equal to x_j.
published_ames <- function(fit) {
  X <- getME(fit, "X")
  beta <- fixef(fit)
  mu <- fitted(fit)
  w <- mu * (1 - mu)
  out <- numeric(0)
  Z_slopes <- list()
  re <- ranef(fit)
  mf <- model.frame(fit)
  for (k in seq_along(fit@cnms)) {
    g <- names(fit@cnms)[k]
    for (nm in fit@cnms[[k]]) {
      if (nm == "(Intercept)") next
      col <- mf[[nm]]
      for (j in colnames(X)) {
        if (all(X[, j] == col)) Z_slopes[[j]] <- re[[g]][as.character(mf[[g]]), nm]
      }
    }
  }
  for (j in colnames(X)[-1]) {
    slope <- if (is.null(Z_slopes[[j]])) 0 else Z_slopes[[j]]
    out[[paste0("ame_", j)]] <- mean(w * (beta[[j]] + slope))
  }
  out
}

boot_statistics <- function(fit) {
  c(setNames(sdcor_values(fit), sdcor_names(fit)), fixef(fit), variance_statistics(fit), published_ames(fit),
    singular = as.numeric(isSingular(fit)),
    warned = as.numeric(length(fit@optinfo$conv$lme4$messages) > 0))
}

run_boot <- function(name, nsim, seed) {
  case <- case_of(name)
  stamp("boot ", name, ": glmer ...")
  f <- fit_case(case)
  fit <- f$fit
  stamp("  fitted in ", round(f$seconds, 1), " s; bootMer nsim = ", nsim, " ...")
  t0 <- proc.time()
  bc <- with_conditions(bootMer(fit, boot_statistics, nsim = nsim, seed = seed, use.u = FALSE, type = "parametric"))
  seconds <- proc.time() - t0
  bb <- bc$value
  stats <- names(bb$t0)
  tt <- bb$t
  colnames(tt) <- stats
  failed <- sum(!stats::complete.cases(tt))
  ok <- stats::complete.cases(tt)
  summaries <- lapply(seq_along(stats), function(i) {
    s <- stats[i]
    v <- tt[ok, i]
    ci <- tryCatch(boot::boot.ci(bb, type = c("perc", "basic", "norm"), index = i, conf = 0.95), error = function(e) NULL)
    list(
      statistic = s,
      estimate = unname(bb$t0[i]),
      mean = mean(v),
      sd = sd(v),
      q025 = unname(quantile(v, 0.025, type = 7)),
      q975 = unname(quantile(v, 0.975, type = 7)),
      percentile = if (is.null(ci)) NULL else as.list(unname(ci$percent[4:5])),
      basic = if (is.null(ci)) NULL else as.list(unname(ci$basic[4:5])),
      normal = if (is.null(ci)) NULL else as.list(unname(ci$normal[2:3]))
    )
  })
  out <- list(
    name = name,
    description = case$description,
    data = basename(case$csv),
    dataFolder = dirname(case$csv),
    formula = case$formula,
    factors = as.list(case$factors),
    software = c(software_versions(), boot = as.character(packageVersion("boot"))),
    call = sprintf("bootMer(fit, FUN, nsim = %d, seed = %d, use.u = FALSE, type = \"parametric\"); boot::boot.ci(type = c(\"perc\", \"basic\", \"norm\"), conf = 0.95) per statistic", nsim, seed),
    nsim = nsim,
    failed = failed,
    singular = sum(tt[ok, "singular"]),
    warned = sum(tt[ok, "warned"]),
    cpuSeconds = seconds[["user.self"]] + seconds[["sys.self"]],
    elapsedSeconds = seconds[["elapsed"]],
    fitSeconds = f$seconds,
    warnings = as.list(unique(bc$warnings)),
    statistics = summaries
  )
  write_json_file(out, file.path(out_dir, paste0(name, ".boot.json")))
  stamp("  wrote ", name, ".boot.json (", round(out$cpuSeconds, 1), " s CPU; failed ", failed, ", singular ", out$singular, ")")
}

# ---------------------------------------------------------------------------------------------------
# AMEs in three random-effects conventions (i_slope: y ~ m + w + (1 + nw | g) + (1 | h))
# ---------------------------------------------------------------------------------------------------

run_ame <- function() {
  case <- i_slope_case
  stamp("ame: glmer ...")
  f <- fit_case(case)
  fit <- f$fit
  d <- f$data
  X <- getME(fit, "X")
  V <- as.matrix(vcov(fit))
  beta0 <- fixef(fit)
  re <- ranef(fit)
  vc <- VarCorr(fit)
  Sg <- as.matrix(vc$g)
  Sh <- as.matrix(vc$h)
  b0 <- re$g[as.character(d$g), "(Intercept)"]
  b1 <- re$g[as.character(d$g), "nw"]
  ch <- re$h[as.character(d$h), "(Intercept)"]
  # Trapezoid rule for E[plogis(eta + s Z)], Z ~ N(0, 1), on [-10, 10] with step 0.02: for an analytic
  # integrand with Gaussian decay the rule converges geometrically (error far below 1e-12 here).
  zg <- seq(-10, 10, by = 0.02)
  wg <- dnorm(zg) * 0.02
  integrated_p <- function(eta, s) as.vector(plogis(outer(eta, rep(1, length(zg))) + outer(s, zg)) %*% wg)

  # p_i for a design Xc (columns of X) and slope column value nwc, under a convention.
  prob <- function(beta, Xc, nwc, conv) {
    eta <- as.vector(Xc %*% beta)
    if (conv == "conditional") return(plogis(eta + b0 + b1 * nwc + ch))
    if (conv == "zero") return(plogis(eta))
    s2 <- Sg[1, 1] + 2 * Sg[1, 2] * nwc + Sg[2, 2] * nwc^2 + Sh[1, 1]
    integrated_p(eta, sqrt(s2))
  }
  nw0 <- d$nw
  # Published: mean derivative of p_i in x_j, every column numeric (the slope column moves with mnw).
  ame_published <- function(beta, j, conv) {
    h <- 1e-5
    Xp <- X
    Xm <- X
    Xp[, j] <- Xp[, j] + h
    Xm[, j] <- Xm[, j] - h
    nwp <- if (j == "mnw") nw0 + h else nw0
    nwm <- if (j == "mnw") nw0 - h else nw0
    mean(prob(beta, Xp, nwp, conv) - prob(beta, Xm, nwm, conv)) / (2 * h)
  }
  # Discrete: factor levels as level vs reference (both dummies of m reset), w keeps the derivative.
  ame_discrete <- function(beta, j, conv) {
    if (j == "w") return(ame_published(beta, j, conv))
    X1 <- X
    X0 <- X
    X0[, c("mnw", "mw")] <- 0
    X1[, c("mnw", "mw")] <- 0
    X1[, j] <- 1
    nw1 <- if (j == "mnw") rep(1, nrow(X)) else rep(0, nrow(X))
    mean(prob(beta, X1, nw1, conv) - prob(beta, X0, rep(0, nrow(X)), conv))
  }
  terms <- colnames(X)[-1]
  result <- list()
  for (convention in c("published", "discrete")) {
    fn <- if (convention == "published") ame_published else ame_discrete
    for (conv in c("conditional", "zero", "integrated")) {
      stamp("  ", convention, " / ", conv)
      rows <- lapply(terms, function(j) {
        est <- fn(beta0, j, conv)
        g <- sapply(seq_along(beta0), function(k) {
          hb <- 1e-5
          bp <- beta0
          bm <- beta0
          bp[k] <- bp[k] + hb
          bm[k] <- bm[k] - hb
          (fn(bp, j, conv) - fn(bm, j, conv)) / (2 * hb)
        })
        list(term = j, estimate = est, se = sqrt(as.numeric(t(g) %*% V %*% g)))
      })
      result[[paste(convention, conv, sep = ".")]] <- rows
    }
  }
  out <- list(
    name = "i_slope",
    description = case$description,
    data = "i_slope.csv",
    formula = case$formula,
    factors = as.list(case$factors),
    software = software_versions(),
    method = paste(
      "Direct computation in R from the glmer fit: conditional = plogis(X beta + Z b_hat) (predict(fit, type = 'response') on counterfactual X);",
      "zero = plogis(X beta) (re.form = NA); integrated = E[plogis(X beta + z'b)], b ~ N(0, VarCorr), per row by the trapezoid rule on [-10, 10] step 0.02.",
      "published = mean central difference (h = 1e-5) of p in column j of X (mnw moves the slope column nw with it); discrete = mean p(level) - p(reference) for the levels of m, w as published.",
      "SE = sqrt(g' V g), g = central differences (h = 1e-5) of the AME in beta, V = vcov(fit) (lme4 1.1-31: from the Hessian); b_hat and VarCorr held fixed."
    ),
    # The fit's own numbers in the shape test/stats/r-fit.ts (fitFromR) reads, so the AMEs are compared
    # on the identical fit.
    model = list(
      formula = case$formula,
      beta = as.list(fixef(fit)),
      vcov = unname(V),
      logLik = as.numeric(logLik(fit)),
      df = attr(logLik(fit), "df"),
      theta = as.list(unname(getME(fit, "theta"))),
      varcorr = lme4_varcorr(fit),
      ranef = lme4_ranef(fit)
    ),
    ame = result
  )
  write_json_file(out, file.path(out_dir, "i_slope.ame.json"))
  stamp("  wrote i_slope.ame.json")
}

# ---------------------------------------------------------------------------------------------------
# boot.ci's interval arithmetic on fixed replicates (src/inference/bootstrap-intervals.ts)
# ---------------------------------------------------------------------------------------------------

run_bootci <- function() {
  set.seed(130004)
  cases <- lapply(c(9, 39, 99, 200, 1000), function(R) {
    t <- round(rgamma(R, shape = 3, rate = 2), 6)
    t0 <- 1.4
    lapply(c(0.8, 0.9, 0.95), function(conf) {
      list(
        R = R, conf = conf, t0 = t0, t = as.list(t),
        percentile = as.list(unname(suppressWarnings(boot:::perc.ci(t, conf = conf))[1, 4:5])),
        basic = as.list(unname(suppressWarnings(boot:::basic.ci(t0, t, conf = conf))[1, 4:5])),
        normal = as.list(unname(boot:::norm.ci(t0 = t0, t = t, conf = conf)[1, 2:3]))
      )
    })
  })
  out <- list(
    description = "boot.ci's percentile, basic and normal limits (boot:::perc.ci, basic.ci, norm.ci) of replicates drawn from a gamma(3, 2), R = 9 (extreme order statistics), 39, 99, 200, 1000, at levels 0.8, 0.9, 0.95; t0 = 1.4",
    software = c(software_versions(), boot = as.character(packageVersion("boot"))),
    cases = unlist(cases, recursive = FALSE)
  )
  write_json_file(out, file.path(out_dir, "boot-ci.json"))
  stamp("wrote boot-ci.json")
}

# ---------------------------------------------------------------------------------------------------

boot_settings <- list(g_cbpp = c(nsim = 2000, seed = 130001), a_two_level = c(nsim = 500, seed = 130002), i_slope = c(nsim = 300, seed = 130003))
profile_names <- c("i_slope", "a_two_level", "b_nested_unique", "d_crossed", "e_singular", "f_aggregated", "g_cbpp", "h_uncorrelated_slope")

wanted <- commandArgs(trailingOnly = TRUE)
if (length(wanted) == 0) wanted <- c("data", paste0("profile:", profile_names), paste0("boot:", names(boot_settings)), "ame", "bootci")
if (!file.exists(i_slope_case$csv) && !("data" %in% wanted)) wanted <- c("data", wanted)
for (w in wanted) {
  if (w == "data") {
    make_i_slope()
    stamp("wrote i_slope.csv")
  } else if (startsWith(w, "profile:")) {
    run_profile(sub("^profile:", "", w))
  } else if (startsWith(w, "boot:")) {
    nm <- sub("^boot:", "", w)
    s <- boot_settings[[nm]]
    if (is.null(s)) stop("no bootstrap settings for ", nm, "; known: ", paste(names(boot_settings), collapse = ", "))
    run_boot(nm, s[["nsim"]], s[["seed"]])
  } else if (w == "ame") {
    run_ame()
  } else if (w == "bootci") {
    run_bootci()
  } else {
    stop("unknown case ", w)
  }
}

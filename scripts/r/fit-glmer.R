#!/usr/bin/env Rscript
# Fit one binomial-logit GLMM in R and print JSON in the shape of the TS CLI (`npm run glmm -- fit
# --json`), so a benchmark can run lme4 / glmmTMB on the same CSV and compare times and results.
#
# Usage:
#   Rscript scripts/r/fit-glmer.R --data FILE.csv --formula "y ~ x + (1 | g)" \
#       [--engine lme4|lme4-fast|glmmTMB] [--factors col1,col2] [--out FILE.json]
#
# Engines:
#   lme4      glmer(family = binomial), default glmerControl() (bobyqa then Nelder-Mead, nAGQ = 1,
#             finite-difference Hessian for the convergence checks and the SEs)
#   lme4-fast glmer with glmerControl(optimizer = "nloptwrap", calc.derivs = FALSE): no Hessian, so no
#             gradient check and SEs from (RX'RX)^-1
#   glmmTMB   glmmTMB(family = binomial): Laplace with exact gradients (TMB), nlminb
# Text columns are read as factors, levels in code-point order, the first the reference (as R's default
# and the TS formula interface); --factors also makes digit-only columns (e.g. niveau) factors.
# elapsedSeconds (wall) and cpuSeconds time the fit call only, not reading the CSV nor computing the output.

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
source(file.path(here, "fixture-helpers.R"))

usage <- "usage: fit-glmer.R --data FILE.csv --formula \"y ~ x + (1 | g)\" [--engine lme4|lme4-fast|glmmTMB] [--factors a,b] [--out FILE.json]"

fail <- function(...) {
  cat("fit-glmer.R: ", ..., "\n", sep = "", file = stderr())
  quit(status = 2, save = "no")
}

parse_args <- function(a) {
  opts <- list(engine = "lme4", factors = "", out = NULL)
  i <- 1
  while (i <= length(a)) {
    key <- a[i]
    if (!key %in% c("--data", "--formula", "--engine", "--factors", "--out")) fail("unknown argument '", key, "'\n", usage)
    if (i == length(a)) fail("missing value after ", key, "\n", usage)
    opts[[sub("^--", "", key)]] <- a[i + 1]
    i <- i + 2
  }
  if (is.null(opts$data) || is.null(opts$formula)) fail("--data and --formula are required\n", usage)
  if (!opts$engine %in% c("lme4", "lme4-fast", "glmmTMB")) fail("unknown engine '", opts$engine, "' (lme4, lme4-fast or glmmTMB)")
  opts
}

opts <- parse_args(commandArgs(trailingOnly = TRUE))
if (!file.exists(opts$data)) fail("data file not found: ", opts$data)
form <- tryCatch(as.formula(opts$formula), error = function(e) fail("cannot parse formula '", opts$formula, "': ", conditionMessage(e)))

forced <- if (nzchar(opts$factors)) strsplit(opts$factors, ",", fixed = TRUE)[[1]] else character(0)
cc <- rep("character", length(forced)); names(cc) <- forced
d <- tryCatch(read.csv(opts$data, stringsAsFactors = FALSE, colClasses = cc, na.strings = ""),
              error = function(e) fail("cannot read ", opts$data, ": ", conditionMessage(e)))
missing_cols <- setdiff(all.vars(form), names(d))
if (length(missing_cols)) fail("column(s) not in ", opts$data, ": ", paste(missing_cols, collapse = ", "))
for (nm in names(d)) {
  if (is.character(d[[nm]])) d[[nm]] <- factor(d[[nm]], levels = sort(unique(d[[nm]][!is.na(d[[nm]])]), method = "radix"))
}

t0 <- proc.time()
caught <- if (opts$engine == "glmmTMB") {
  suppressPackageStartupMessages(library(glmmTMB))
  with_conditions(glmmTMB::glmmTMB(form, data = d, family = binomial))
} else {
  ctrl <- if (opts$engine == "lme4-fast") glmerControl(optimizer = "nloptwrap", calc.derivs = FALSE) else glmerControl()
  tryCatch(with_conditions(glmer(form, data = d, family = binomial, control = ctrl)),
           error = function(e) fail("glmer failed: ", conditionMessage(e)))
}
spent <- proc.time() - t0
elapsed <- spent[["elapsed"]]
# CPU time of the fit (user + system of this process; includes BLAS/OpenMP threads, if any).
cpu <- spent[["user.self"]] + spent[["sys.self"]]
fit <- caught$value

corr_list <- function(C) lapply(seq_len(nrow(C)), function(i) as.list(C[i, ]))

if (opts$engine == "glmmTMB") {
  info <- describe_glmmtmb(fit, caught, elapsed)
  converged <- info$convergence$nlminbConvergence == 0 && info$convergence$pdHess
  ng <- as.list(vapply(names(fit$modelInfo$reTrms$cond$flist), function(g) nlevels(fit$modelInfo$reTrms$cond$flist[[g]]), 1L))
  diagnostics <- list(
    maxAbsGradient = info$convergence$maxAbsGradient,
    singular = any(unlist(lapply(info$varcorr, function(v) unlist(v$sd))) < 1e-4),
    pdHess = info$convergence$pdHess,
    optimizer = "nlminb",
    iterations = fit$fit$iterations,
    functionEvaluations = unname(fit$fit$evaluations[["function"]]),
    messages = as.list(c(info$convergence$nlminbMessage, caught$warnings))
  )
  seMethod <- info$seMethod
} else {
  info <- describe_glmer(fit, caught, elapsed = elapsed, with_ranef = FALSE)
  cv <- info$convergence
  # Converged = the optimizer ended normally and lme4 raised no convergence warning (a singular fit is
  # reported separately, it is not a failure to converge).
  conv_msgs <- grep("converge|unidentifiable|Hessian|gradient", c(unlist(cv$lme4Messages), caught$warnings), value = TRUE)
  converged <- (is.null(cv$optimizerCode) || cv$optimizerCode == 0) && length(conv_msgs) == 0
  ng <- info$ngroups
  diagnostics <- list(
    maxAbsGradient = cv$maxAbsGradient,
    checkConvScaledGradient = cv$checkConvScaledGradient,
    minHessianEigenvalue = cv$minHessianEigenvalue,
    singular = cv$singular,
    optimizer = paste(cv$optimizer, collapse = ","),
    functionEvaluations = cv$functionEvaluations,
    messages = as.list(unique(c(unlist(cv$lme4Messages), caught$warnings, caught$messages)))
  )
  seMethod <- if (opts$engine == "lme4-fast") "(RX'RX)^-1 (calc.derivs = FALSE: no Hessian)" else "finite-difference Hessian (lme4 1.1-31 default)"
}

out <- list(
  engine = opts$engine,
  converged = converged,
  logLik = info$logLik,
  deviance = -2 * info$logLik,
  aic = info$aic,
  bic = info$bic,
  nobs = info$nobs,
  ngroups = ng,
  fixef = lapply(info$fixef, function(f) list(term = f$term, estimate = f$estimate, se = f$se)),
  seMethod = seMethod,
  varcorr = lapply(info$varcorr, function(v) list(group = v$group, terms = v$terms, sd = v$sd, corr = corr_list(v$corr))),
  diagnostics = diagnostics,
  elapsedSeconds = elapsed,
  cpuSeconds = cpu,
  software = software_versions()
)

txt <- jsonlite::toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null")
if (!is.null(opts$out)) {
  tmp <- paste0(opts$out, ".tmp")
  writeLines(txt, tmp)
  if (!file.rename(tmp, opts$out)) fail("could not write ", opts$out)
}
cat(txt, "\n", sep = "")

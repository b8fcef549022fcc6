#!/usr/bin/env Rscript
# The R side of scripts/bench-missing.ts: multiple imputation of the cito score, model 2 (without the
# missing indicator) fitted on every completed data set, pooled by Rubin's rules, on an analysis-frame
# CSV (the frame schema's columns). Prints one JSON object with the times.
#
#   Rscript scripts/r/bench-missing.R --data FRAME.csv --outcome doorstroom --m 20 \
#       [--engine lme4-fast|lme4|glmmTMB] [--nburn 1000] [--nbetween 100] [--out FILE.json]
#
# Imputation: jomo1ran (jomo 2.7), the imputation model of src/missing/imputation-model.ts without the
# institution level (jomo1ran has one cluster level): cito ~ covariates + citojaar + outcome +
# outcome:niet_westers with a random intercept and niet_westers slope per location, jomo's default priors,
# normal draws. The missing test year is drawn first, per imputation, from the observed years of the
# students of the same age and outcome (a hot deck; src/missing/test-year.ts draws from a Dirichlet
# posterior of the same cells). Fits: glmer (lme4-fast: nloptwrap without the finite-difference
# Hessian, lme4's own speed advice; lme4: the default control) or glmmTMB. Pooling: mitml::testEstimates
# with df.com = nobs - parameters.
args <- commandArgs(trailingOnly = TRUE)
opt <- list(data = NULL, outcome = "doorstroom", m = "20", engine = "lme4-fast", nburn = "1000", nbetween = "100", out = NULL)
i <- 1
while (i <= length(args)) {
  key <- sub("^--", "", args[i])
  if (!key %in% names(opt) || i == length(args)) stop("usage: bench-missing.R --data FRAME.csv [--outcome y] [--m 20] [--engine lme4-fast|lme4|glmmTMB] [--nburn N] [--nbetween N] [--out FILE]")
  opt[[key]] <- args[i + 1]
  i <- i + 2
}
Sys.setlocale("LC_COLLATE", "C")
suppressPackageStartupMessages({
  library(lme4)
  library(jomo)
  library(mitml)
  library(jsonlite)
})
m <- as.integer(opt$m)
outcome <- opt$outcome
# CPU seconds of this process (user + system), beside the elapsed ones: on a shared machine the CPU time
# is the steadier measure.
cpu <- function() { p <- proc.time(); p[["user.self"]] + p[["sys.self"]] }
t_all <- proc.time()[["elapsed"]]
c_all <- cpu()

d <- read.csv(opt$data, stringsAsFactors = FALSE, colClasses = c(niveau = "character", citojaar = "character"))
ref <- c(migratie = "geen", ouders = "max_vmbo_kader", geslacht = "man", niveau = "3", sector = "handel_economie", leerweg = "bol", citojaar = "2009")
for (f in names(ref)) d[[f]] <- relevel(factor(d[[f]], levels = sort(unique(d[[f]]), method = "radix")), ref[[f]])
d$locatie <- factor(d$locatie)
d$instelling <- factor(d$instelling)
y <- d[[outcome]]
miss <- d$cito_missing == 1
set.seed(1)

# Test years for the rows without a score, one draw per imputation: hot deck within (age, outcome).
cell <- paste(d$leeftijd, y)
donors <- split(as.character(d$citojaar[!miss]), cell[!miss])
age_cells <- split(as.character(d$citojaar[!miss]), d$leeftijd[!miss])
draw_years <- function() {
  out <- as.character(d$citojaar)
  for (cl in unique(cell[miss])) {
    rows <- which(miss & cell == cl)
    pool <- donors[[cl]]
    if (is.null(pool)) {
      ages <- as.numeric(names(age_cells))
      a <- as.numeric(strsplit(cl, " ")[[1]][1])
      pool <- age_cells[[which.min(abs(ages - a))]]
    }
    out[rows] <- pool[sample.int(length(pool), length(rows), replace = TRUE)]
  }
  relevel(factor(out, levels = levels(d$citojaar)), "2009")
}

t0 <- proc.time()[["elapsed"]]
c0 <- cpu()
years <- lapply(seq_len(m), function(l) draw_years())
d$uitkomst <- y
d$uitkomst_niet_westers <- y * d$niet_westers
# jomo needs a complete X: the first imputation's years (the year draws vary little between imputations).
dx <- d
dx$citojaar <- years[[1]]
X <- model.matrix(~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + citojaar + uitkomst + uitkomst_niet_westers, dx)
Z <- cbind(1, d$niet_westers)
Y <- data.frame(cito = ifelse(miss, NA, d$cito))
imp <- jomo1ran(Y = Y, X = X, Z = Z, clus = d$locatie, nburn = as.integer(opt$nburn), nbetween = as.integer(opt$nbetween), nimp = m, output = 0)
t_imp <- proc.time()[["elapsed"]] - t0
c_imp <- cpu() - c0
c_fits <- 0

rhs <- "migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + cito + citojaar + (1 + niet_westers | locatie) + (1 | instelling)"
form <- as.formula(paste(outcome, "~", rhs))
fit_one <- function(dd) {
  if (opt$engine == "glmmTMB") {
    suppressPackageStartupMessages(library(glmmTMB))
    f <- glmmTMB::glmmTMB(form, data = dd, family = binomial)
    list(beta = glmmTMB::fixef(f)$cond, var = diag(as.matrix(vcov(f)$cond)), nobs = nobs(f), npar = length(glmmTMB::fixef(f)$cond) + 4, conv = f$fit$convergence == 0)
  } else {
    ctrl <- if (opt$engine == "lme4-fast") glmerControl(optimizer = "nloptwrap", calc.derivs = FALSE) else glmerControl()
    f <- glmer(form, data = dd, family = binomial, control = ctrl)
    list(beta = fixef(f), var = diag(as.matrix(vcov(f))), nobs = nobs(f), npar = length(fixef(f)) + length(getME(f, "theta")), conv = is.null(f@optinfo$conv$lme4$messages))
  }
}
fit_seconds <- numeric(m)
fits <- vector("list", m)
for (l in seq_len(m)) {
  dd <- d
  dd$cito <- imp$cito[imp$Imputation == l]
  dd$citojaar <- years[[l]]
  t0 <- proc.time()[["elapsed"]]
  c0 <- cpu()
  fits[[l]] <- fit_one(dd)
  fit_seconds[l] <- proc.time()[["elapsed"]] - t0
  c_fits <- c_fits + cpu() - c0
}
t0 <- proc.time()[["elapsed"]]
dfcom <- fits[[1]]$nobs - fits[[1]]$npar
te <- testEstimates(qhat = lapply(fits, `[[`, "beta"), uhat = lapply(fits, function(f) diag(f$var)), df.com = dfcom)$estimates
t_pool <- proc.time()[["elapsed"]] - t0
total <- proc.time()[["elapsed"]] - t_all
res <- list(
  engine = opt$engine, m = m, nobs = fits[[1]]$nobs, imputationSeconds = t_imp, fitSeconds = fit_seconds,
  poolSeconds = t_pool, totalSeconds = total, cpu = list(imputation = c_imp, fits = c_fits, total = cpu() - c_all), converged = sum(sapply(fits, `[[`, "conv")),
  nonWestern = list(estimate = te["migratieniet-westers", "Estimate"], se = te["migratieniet-westers", "Std.Error"], fmi = te["migratieniet-westers", "FMI"]),
  versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4")), jomo = as.character(packageVersion("jomo")), mitml = as.character(packageVersion("mitml")))
)
txt <- toJSON(res, auto_unbox = TRUE, digits = NA)
if (!is.null(opt$out)) writeLines(txt, opt$out)
cat(txt, "\n")

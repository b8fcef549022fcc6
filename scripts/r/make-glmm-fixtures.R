#!/usr/bin/env Rscript
# Reference fixtures for the GLMM solver (issue 3, "Reference and acceptance").
#
# Simulates small data sets with fixed seeds, writes each as test/fixtures/glmm/<data>.csv, fits every
# model on it with lme4::glmer(family = binomial), default glmerControl(), nAGQ = 1 (the Laplace
# approximation), and with glmmTMB as a second opinion, and writes test/fixtures/glmm/<fixture>.json.
# The fit always uses the CSV as re-read from disk, so the TS side sees exactly the numbers R fitted.
#
# Usage (from the repository root):
#   Rscript scripts/r/make-glmm-fixtures.R            # every case
#   Rscript scripts/r/make-glmm-fixtures.R a_two_level g_cbpp   # only these data sets
#
# Formulas are written exactly as the TS CLI takes them (`npm run glmm -- fit --formula "..."`).

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
source(file.path(here, "fixture-helpers.R"))
suppressPackageStartupMessages(library(glmmTMB))

out_dir <- file.path("test", "fixtures", "glmm")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

logistic <- function(eta) 1 / (1 + exp(-eta))

# ---------------------------------------------------------------------------------------------------
# Data sets. Each returns list(data = data.frame (character columns for factors), factors = names of
# columns to read as factors (digit-only codes included), truth = the simulation's parameters,
# description, fits = list of list(name, formula, description)).
# ---------------------------------------------------------------------------------------------------

case_a <- function() {
  set.seed(20260101)
  J <- 80
  n <- 2400
  g <- sample(sprintf("g%02d", seq_len(J)), n, replace = TRUE)
  b <- rnorm(J, 0, 0.7)
  names(b) <- sprintf("g%02d", seq_len(J))
  x <- round(rnorm(n), 4)
  f <- sample(c("laag", "midden", "hoog"), n, replace = TRUE, prob = c(0.3, 0.4, 0.3))
  eta <- -0.4 + 0.8 * x + ifelse(f == "laag", -0.5, 0) + ifelse(f == "midden", 0.3, 0) + b[g]
  y <- rbinom(n, 1, logistic(eta))
  list(
    data = data.frame(y = y, x = x, f = f, g = g),
    factors = c("f"),
    description = "Two-level random intercept: 2,400 Bernoulli rows in 80 groups, a numeric and a 3-level factor covariate.",
    truth = list(fixef = list("(Intercept)" = -0.4, x = 0.8, "f:laag vs hoog" = -0.5, "f:midden vs hoog" = 0.3), sd = list(g = 0.7)),
    fits = list(list(name = "a_two_level", formula = "y ~ x + f + (1 | g)",
                     description = "random intercept per group"))
  )
}

case_b <- function() {
  set.seed(20260102)
  I <- 20
  inst <- sprintf("i%02d", seq_len(I))
  # 3 to 7 locations per institution, coded l1, l2, ... within each institution (not unique across
  # institutions), plus a unique code `locu` = institution_location.
  nloc <- sample(3:7, I, replace = TRUE)
  locs <- do.call(rbind, lapply(seq_len(I), function(i) data.frame(inst = inst[i], loc = paste0("l", seq_len(nloc[i])))))
  locs$locu <- paste0(locs$inst, "_", locs$loc)
  u_inst <- rnorm(I, 0, 0.35); names(u_inst) <- inst
  u_loc <- rnorm(nrow(locs), 0, 0.6); names(u_loc) <- locs$locu
  n <- 4000
  r <- sample(nrow(locs), n, replace = TRUE, prob = runif(nrow(locs), 0.5, 1.5))
  x <- round(rnorm(n), 4)
  z <- rbinom(n, 1, 0.3)
  eta <- 0.3 + 0.5 * x - 0.6 * z + u_inst[locs$inst[r]] + u_loc[locs$locu[r]]
  y <- rbinom(n, 1, logistic(eta))
  list(
    data = data.frame(y = y, x = x, z = z, inst = locs$inst[r], loc = locs$loc[r], locu = locs$locu[r]),
    factors = character(0),
    description = "Three-level nested random intercepts: 4,000 Bernoulli rows, 20 institutions, 3-7 locations each; `loc` repeats its codes across institutions, `locu` is unique.",
    truth = list(fixef = list("(Intercept)" = 0.3, x = 0.5, z = -0.6), sd = list(loc = 0.6, inst = 0.35)),
    fits = list(
      list(name = "b_nested_slash", formula = "y ~ x + z + (1 | inst/loc)",
           description = "nesting sugar: (1 | inst/loc) = (1 | inst) + (1 | loc:inst); lme4 names the location factor loc:inst"),
      list(name = "b_nested_unique", formula = "y ~ x + z + (1 | locu) + (1 | inst)",
           description = "the same model written with unique location codes; identical fit to b_nested_slash")
    )
  )
}

# The model-2 structure of bijlage 3a (doorstroom 2020, Tabel 5), columns as data-schema/README.md.
# Coefficients near the published model 2 (schema reference levels; the fit uses R's default
# reference = first level in code-point order, so some dummies are reparametrised).
case_c <- function() {
  set.seed(20260103)
  n <- 20000
  I <- 30
  L <- 150
  instelling <- sprintf("inst%02d", seq_len(I))
  loc_inst <- c(instelling, sample(instelling, L - I, replace = TRUE)) # every institution has a location
  locatie <- sprintf("loc%03d", seq_len(L))
  size <- rgamma(L, shape = 2, rate = 2)
  r <- sample(L, n, replace = TRUE, prob = size)
  # Random effects: location intercept SD 0.42 and non-western slope SD 0.24 (correlation -0.3),
  # institution intercept SD 0.14 (published: variances 0.18, 0.06, 0.02).
  sd_loc <- c(0.42, 0.24); rho <- -0.3
  S <- diag(sd_loc) %*% matrix(c(1, rho, rho, 1), 2) %*% diag(sd_loc)
  B <- matrix(rnorm(2 * L), L, 2) %*% chol(S)
  u_inst <- rnorm(I, 0, 0.14); names(u_inst) <- instelling
  # Student covariates; shares roughly as in Tabel 1.
  migratie <- sample(c("geen", "niet-westers", "westers"), n, TRUE, c(0.74, 0.18, 0.08))
  ouders <- sample(c("max_vmbo_kader", "hoger", "onbekend"), n, TRUE, c(0.45, 0.40, 0.15))
  geslacht <- sample(c("man", "vrouw"), n, TRUE)
  leeftijd <- pmin(sample(2:10, n, TRUE, c(0.22, 0.22, 0.18, 0.13, 0.09, 0.06, 0.04, 0.03, 0.03)), 10)
  niveau <- sample(c("1", "2", "3", "4"), n, TRUE, c(0.05, 0.20, 0.30, 0.45))
  sector <- sample(c("handel_economie", "zorg_sport", "techniek_ict", "overig"), n, TRUE, c(0.3, 0.3, 0.25, 0.15))
  leerweg <- sample(c("bol", "bbl"), n, TRUE, c(0.8, 0.2))
  cito_missing <- rbinom(n, 1, 0.3)
  cito <- ifelse(cito_missing == 1, 100, pmin(pmax(round(rnorm(n, 34, 8)), 0), 50))
  citojaar <- ifelse(cito_missing == 1, "2009",
                     sample(c("2009", "2010", "2011", "2012", "2013", ">2014"), n, TRUE, c(0.1, 0.15, 0.2, 0.2, 0.2, 0.15)))
  niet_westers <- as.integer(migratie == "niet-westers")
  beta <- list(
    intercept = 0.46, niet_westers = 0.60, westers = 0.14, hoger = 0.24, onbekend = 0.18, vrouw = 0.07,
    leeftijd = -0.27, niveau1 = 1.52, niveau2 = 0.53, niveau4 = -0.04, zorg_sport = -0.22,
    techniek_ict = 0.08, overig = -0.31, bbl = -0.78, cito = 0.004, cito_missing = 0.10,
    c2010 = 0.08, c2011 = 0.25, c2012 = 0.40, c2013 = 0.43, c2014 = 0.52
  )
  cf <- unlist(beta)
  eta <- cf[["intercept"]] + cf[["niet_westers"]] * (migratie == "niet-westers") + cf[["westers"]] * (migratie == "westers") +
    cf[["hoger"]] * (ouders == "hoger") + cf[["onbekend"]] * (ouders == "onbekend") + cf[["vrouw"]] * (geslacht == "vrouw") +
    cf[["leeftijd"]] * leeftijd +
    cf[["niveau1"]] * (niveau == "1") + cf[["niveau2"]] * (niveau == "2") + cf[["niveau4"]] * (niveau == "4") +
    cf[["zorg_sport"]] * (sector == "zorg_sport") + cf[["techniek_ict"]] * (sector == "techniek_ict") +
    cf[["overig"]] * (sector == "overig") + cf[["bbl"]] * (leerweg == "bbl") + cf[["cito"]] * cito +
    cf[["cito_missing"]] * cito_missing +
    cf[["c2010"]] * (citojaar == "2010") + cf[["c2011"]] * (citojaar == "2011") + cf[["c2012"]] * (citojaar == "2012") +
    cf[["c2013"]] * (citojaar == "2013") + cf[["c2014"]] * (citojaar == ">2014")
  eta <- eta + B[r, 1] + B[r, 2] * niet_westers + u_inst[loc_inst[r]]
  doorstroom <- rbinom(n, 1, logistic(eta))
  d <- data.frame(
    id = sprintf("s%05d", seq_len(n)), doorstroom = doorstroom, migratie = migratie, niet_westers = niet_westers,
    ouders = ouders, geslacht = geslacht, leeftijd = leeftijd, niveau = niveau, sector = sector,
    leerweg = leerweg, cito = cito, cito_missing = cito_missing, citojaar = citojaar,
    locatie = locatie[r], instelling = loc_inst[r]
  )
  list(
    data = d,
    factors = c("migratie", "ouders", "geslacht", "niveau", "sector", "leerweg", "citojaar"),
    description = "The model-2 structure of bijlage 3a (doorstroom, Tabel 5): 20,000 students, 150 locations in 30 institutions, covariates as data-schema/README.md, random intercept + non-western slope per location (correlated) and a random intercept per institution. With lme4 1.1-31 this is also the convergence-warning case (i): glmer warns 'Model failed to converge with max|grad| = 0.064' and 'nearly unidentifiable: very large eigenvalue' (cito is 0-50, or 100 when missing, unscaled, next to its missing indicator), as the Rekenkamer reports for the real data.",
    truth = list(
      fixefSchemaReference = beta,
      note = "fixefSchemaReference uses the schema's reference levels (ouders max_vmbo_kader, niveau 3, leerweg bol, citojaar 2009); the fit uses R's default (first level in code-point order: ouders hoger, niveau 1, leerweg bbl, citojaar 2009)",
      sd = list(locatie = sd_loc, locatieCorr = rho, instelling = 0.14)
    ),
    fits = list(list(
      name = "c_model2",
      formula = "doorstroom ~ migratie + ouders + geslacht + leeftijd + niveau + sector + leerweg + cito + cito_missing + citojaar + (1 + niet_westers | locatie) + (1 | instelling)",
      description = "model 2: correlated random slope for non-western background per location, random intercept per institution"
    ))
  )
}

case_d <- function() {
  set.seed(20260104)
  A <- 40; Bn <- 30; n <- 3000
  a <- sample(sprintf("a%02d", seq_len(A)), n, TRUE)
  b <- sample(sprintf("b%02d", seq_len(Bn)), n, TRUE)
  ua <- rnorm(A, 0, 0.8); names(ua) <- sprintf("a%02d", seq_len(A))
  ub <- rnorm(Bn, 0, 0.4); names(ub) <- sprintf("b%02d", seq_len(Bn))
  x <- round(runif(n, -1, 1), 4)
  y <- rbinom(n, 1, logistic(-0.2 + 1.1 * x + ua[a] + ub[b]))
  list(
    data = data.frame(y = y, x = x, a = a, b = b),
    factors = character(0),
    description = "Crossed random intercepts: 3,000 Bernoulli rows, factor a (40 levels) crossed with factor b (30 levels).",
    truth = list(fixef = list("(Intercept)" = -0.2, x = 1.1), sd = list(a = 0.8, b = 0.4)),
    fits = list(list(name = "d_crossed", formula = "y ~ x + (1 | a) + (1 | b)", description = "crossed design"))
  )
}

case_e <- function() {
  # A variance that is truly zero: group g has no effect at all. The seed is one for which lme4
  # indeed ends on the boundary (theta = 0, isSingular TRUE).
  set.seed(20260105)
  J <- 40; n <- 1600
  g <- sample(sprintf("g%02d", seq_len(J)), n, TRUE)
  h <- sample(sprintf("h%02d", seq_len(25)), n, TRUE)
  uh <- rnorm(25, 0, 0.6); names(uh) <- sprintf("h%02d", seq_len(25))
  x <- round(rnorm(n), 4)
  y <- rbinom(n, 1, logistic(0.1 + 0.7 * x + uh[h]))
  list(
    data = data.frame(y = y, x = x, g = g, h = h),
    factors = character(0),
    description = "Singular fit: 1,600 Bernoulli rows; the intercept variance of g is truly zero (that of h is 0.36).",
    truth = list(fixef = list("(Intercept)" = 0.1, x = 0.7), sd = list(g = 0, h = 0.6)),
    fits = list(list(name = "e_singular", formula = "y ~ x + (1 | g) + (1 | h)", description = "the SD of g is estimated at exactly zero"))
  )
}

case_f <- function() {
  set.seed(20260106)
  J <- 30; n <- 300
  g <- sample(sprintf("g%02d", seq_len(J)), n, TRUE)
  u <- rnorm(J, 0, 0.5); names(u) <- sprintf("g%02d", seq_len(J))
  x <- round(rnorm(n), 4)
  trials <- sample(1:20, n, TRUE)
  s <- rbinom(n, trials, logistic(-0.5 + 0.6 * x + u[g]))
  list(
    data = data.frame(s = s, f = trials - s, x = x, g = g),
    factors = character(0),
    description = "Aggregated binomial rows: 300 rows of s successes and f failures (1 to 20 trials each), 30 groups.",
    truth = list(fixef = list("(Intercept)" = -0.5, x = 0.6), sd = list(g = 0.5)),
    fits = list(list(name = "f_aggregated", formula = "cbind(s, f) ~ x + (1 | g)",
                     description = "binomial counts; lme4's logLik includes sum log choose(s + f, s) (logChooseConstant)"))
  )
}

case_g <- function() {
  d <- lme4::cbpp
  list(
    data = data.frame(herd = as.character(d$herd), incidence = d$incidence, size = d$size,
                      noninc = d$size - d$incidence, period = as.character(d$period)),
    factors = c("period"),
    description = "lme4's own cbpp data (contagious bovine pleuropneumonia, 56 rows, 15 herds). `noninc` = size - incidence.",
    truth = NULL,
    fits = list(list(name = "g_cbpp", formula = "cbind(incidence, noninc) ~ period + (1 | herd)",
                     formulaLme4Docs = "cbind(incidence, size - incidence) ~ period + (1 | herd)",
                     description = "lme4's ?glmer example gm1; noninc is size - incidence, so the fit is identical"))
  )
}

case_h <- function() {
  set.seed(20260108)
  J <- 60; n <- 3000
  g <- sample(sprintf("g%02d", seq_len(J)), n, TRUE)
  u0 <- rnorm(J, 0, 0.5); names(u0) <- sprintf("g%02d", seq_len(J))
  u1 <- rnorm(J, 0, 0.4); names(u1) <- sprintf("g%02d", seq_len(J))
  x <- round(rnorm(n), 4)
  y <- rbinom(n, 1, logistic(0.2 + 0.5 * x + u0[g] + u1[g] * x))
  list(
    data = data.frame(y = y, x = x, g = g),
    factors = character(0),
    description = "Uncorrelated random intercept and slope: 3,000 Bernoulli rows, 60 groups.",
    truth = list(fixef = list("(Intercept)" = 0.2, x = 0.5), sd = list(g = 0.5, g.x = 0.4)),
    fits = list(list(name = "h_uncorrelated_slope", formula = "y ~ x + (1 | g) + (0 + x | g)",
                     description = "two terms on the same grouping factor, hence no correlation; varcorr keys g and g.1"))
  )
}

cases <- list(a_two_level = case_a, b_nested = case_b, c_model2 = case_c, d_crossed = case_d,
              e_singular = case_e, f_aggregated = case_f, g_cbpp = case_g, h_uncorrelated_slope = case_h)

run_case <- function(data_name) {
  spec <- cases[[data_name]]()
  csv <- file.path(out_dir, paste0(data_name, ".csv"))
  write_csv_file(spec$data, csv)
  # Grouping columns are factors too (lme4 converts them; herd codes in cbpp are digits).
  groups <- unique(unlist(lapply(spec$fits, function(fs) {
    unlist(lapply(lme4::findbars(as.formula(fs$formula)), function(b) all.vars(b[[3]])))
  })))
  d <- read_fixture_csv(csv, union(spec$factors, groups))
  for (fs in spec$fits) {
    cat(sprintf("[%s] %s: glmer ...\n", format(Sys.time(), "%H:%M:%S"), fs$name))
    form <- as.formula(fs$formula)
    lm <- fit_glmer_timed(form, d)
    cat(sprintf("  glmer %.1f s, logLik %.4f; glmmTMB ...\n", lm$elapsed, as.numeric(logLik(lm$fit))))
    tm <- fit_glmmtmb_timed(form, d)
    cat(sprintf("  glmmTMB %.1f s, logLik %.4f\n", tm$elapsed, as.numeric(logLik(tm$fit))))
    used <- intersect(names(d), all.vars(form))
    out <- list(
      name = fs$name,
      description = paste0(spec$description, " Model: ", fs$description, "."),
      data = basename(csv),
      nrow = nrow(d),
      columns = describe_columns(d[, used, drop = FALSE]),
      formula = fs$formula,
      formulaLme4Docs = fs$formulaLme4Docs,
      family = "binomial(link = \"logit\")",
      control = "glmerControl() defaults, nAGQ = 1 (Laplace)",
      truth = spec$truth,
      software = software_versions(),
      lme4 = describe_glmer(lm$fit, lm$caught, elapsed = lm$elapsed),
      glmmTMB = describe_glmmtmb(tm$fit, tm$caught, elapsed = tm$elapsed)
    )
    write_json_file(out, file.path(out_dir, paste0(fs$name, ".json")))
    msgs <- unlist(out$lme4$convergence$lme4Messages)
    cat(sprintf("  wrote %s.json; singular %s; lme4 messages: %s\n", fs$name, out$lme4$convergence$singular,
                if (length(msgs)) paste(msgs, collapse = " | ") else "none"))
  }
}

wanted <- commandArgs(trailingOnly = TRUE)
if (length(wanted) == 0) wanted <- names(cases)
unknown <- setdiff(wanted, names(cases))
if (length(unknown)) stop("unknown case(s): ", paste(unknown, collapse = ", "), "; known: ", paste(names(cases), collapse = ", "))
for (w in wanted) run_case(w)

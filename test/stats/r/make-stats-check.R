# Reference values for the post-fit statistics (test/stats/r-reference.test.ts), from lme4 and
# performance on a small simulated three-level data set with a random slope, as in model 2.
# Regenerate:  Rscript test/stats/r/make-stats-check.R   (writes stats-check.csv and stats-check.json here)
# The TypeScript test rebuilds X and Z from the CSV with buildDesign and takes beta, vcov, VarCorr and the
# conditional modes from the JSON, so only the post-fit formulas are compared, not the optimiser.
suppressPackageStartupMessages({ library(lme4); library(performance); library(jsonlite) })
set.seed(20201)
here <- if (length(a <- grep("^--file=", commandArgs(FALSE), value = TRUE))) dirname(sub("^--file=", "", a)) else "."

n_inst <- 20; n_loc <- 60; n <- 4000
loc_inst <- sample(seq_len(n_inst), n_loc, replace = TRUE)
locatie <- sample(seq_len(n_loc), n, replace = TRUE)
instelling <- loc_inst[locatie]
migratie <- sample(c("geen", "niet-westers", "westers"), n, replace = TRUE, prob = c(0.7, 0.2, 0.1))
niet_westers <- as.numeric(migratie == "niet-westers")
leeftijd <- round(rnorm(n, 3, 1.5))
leerweg <- sample(c("bol", "bbl"), n, replace = TRUE, prob = c(0.75, 0.25))
u0 <- rnorm(n_loc, 0, 0.5); u1 <- rnorm(n_loc, 0, 0.5); v0 <- rnorm(n_inst, 0, 0.5)
eta <- -0.5 + 0.5 * niet_westers + 0.2 * (migratie == "westers") - 0.15 * leeftijd - 0.6 * (leerweg == "bbl") +
  u0[locatie] + u1[locatie] * niet_westers + v0[instelling]
y <- rbinom(n, 1, plogis(eta))
d <- data.frame(y, migratie, niet_westers, leeftijd, leerweg,
                locatie = paste0("L", locatie), instelling = paste0("I", instelling), stringsAsFactors = FALSE)
write.csv(d, file.path(here, "stats-check.csv"), row.names = FALSE, quote = FALSE)
d$migratie <- factor(d$migratie); d$leerweg <- factor(d$leerweg)

f0 <- y ~ 1 + (1 | locatie) + (1 | instelling)
f1 <- y ~ migratie + leeftijd + leerweg + (1 | locatie) + (1 | instelling)
f2 <- y ~ migratie + leeftijd + leerweg + (1 + niet_westers | locatie) + (1 | instelling)
m0 <- glmer(f0, d, binomial)
m1 <- glmer(f1, d, binomial)
m2 <- glmer(f2, d, binomial)

# AMEs from predict(type = "response") on counterfactual data; SEs by the delta method with a numerical
# Jacobian over beta (b_hat fixed): eta(beta') = predict(link) + X_new (beta' - beta).
X_of <- function(m, nd) model.matrix(delete.response(terms(m, fixed.only = TRUE)), nd,
                                     contrasts.arg = attr(getME(m, "X"), "contrasts"))
ames <- function(m, re_form) {
  beta <- fixef(m); V <- as.matrix(vcov(m)); X <- getME(m, "X")
  link0 <- predict(m, type = "link", re.form = re_form)
  p_of <- function(b, nd_link, Xn) plogis(nd_link + drop(Xn %*% (b - beta)))
  loc_slope <- if (is.null(re_form)) ranef(m)$locatie[d$locatie, "niet_westers"] else 0
  has_slope <- "niet_westers" %in% colnames(ranef(m)$locatie)
  out <- list()
  for (j in setdiff(colnames(X), "(Intercept)")) {
    # published: mean derivative dp/dx_j with x_j numeric (the slope column moves with the
    # non-western dummy); central differences in x_j on the linear predictor.
    pub <- function(b) {
      h <- 1e-4
      slope <- if (j == "migratieniet-westers" && has_slope) loc_slope else 0
      e <- link0 + drop(X %*% (b - beta))
      mean((plogis(e + h * (b[j] + slope)) - plogis(e - h * (b[j] + slope))) / (2 * h))
    }
    # discrete: counterfactual data for factor levels, derivative for numeric columns.
    disc <- function(b) {
      if (startsWith(j, "migratie") || startsWith(j, "leerweg")) {
        var <- if (startsWith(j, "migratie")) "migratie" else "leerweg"
        lev <- sub(paste0("^", var), "", j)
        on <- d; off <- d
        on[[var]] <- factor(lev, levels = levels(d[[var]])); off[[var]] <- factor(levels(d[[var]])[1], levels = levels(d[[var]]))
        if (var == "migratie") { on$niet_westers <- as.numeric(lev == "niet-westers"); off$niet_westers <- 0 }
        mean(p_of(b, predict(m, on, type = "link", re.form = re_form), X_of(m, on)) -
             p_of(b, predict(m, off, type = "link", re.form = re_form), X_of(m, off)))
      } else pub(b)
    }
    for (conv in c("published", "discrete")) {
      g <- if (conv == "published") pub else disc
      est <- g(beta)
      jac <- sapply(seq_along(beta), function(k) { h <- 1e-5; bu <- beta; bd <- beta; bu[k] <- bu[k] + h; bd[k] <- bd[k] - h; (g(bu) - g(bd)) / (2 * h) })
      out[[length(out) + 1]] <- list(term = j, convention = conv, estimate = est, se = sqrt(drop(t(jac) %*% V %*% jac)))
    }
  }
  out
}

describe <- function(m) {
  vc <- VarCorr(m); re <- ranef(m, condVar = TRUE)
  list(
    formula = paste(deparse(formula(m), width.cutoff = 500), collapse = ""),
    beta = as.list(fixef(m)), vcov = unname(as.matrix(vcov(m))), logLik = as.numeric(logLik(m)),
    df = attr(logLik(m), "df"), theta = unname(getME(m, "theta")),
    varcorr = lapply(names(vc), function(g) list(group = g, terms = colnames(vc[[g]]), covariance = unname(as.matrix(vc[[g]])))),
    ranef = lapply(names(re), function(g) {
      pv <- attr(re[[g]], "postVar")
      list(group = g, terms = colnames(re[[g]]), levels = rownames(re[[g]]), modes = unname(as.matrix(re[[g]])),
           condVar = lapply(seq_len(dim(pv)[3]), function(i) unname(as.matrix(pv[, , i]))))
    }),
    r2 = as.list(unlist(r2_nakagawa(m))),
    icc = as.list(unlist(icc(m)[c("ICC_adjusted", "ICC_unadjusted")])),
    icc_by_group = { b <- icc(m, by_group = TRUE); setNames(as.list(b$ICC), b$Group) },
    ame_included = ames(m, NULL),
    ame_excluded = ames(m, NA)
  )
}
a02 <- anova(m0, m2)
out <- list(
  generated_by = "test/stats/r/make-stats-check.R",
  versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
                  performance = as.character(packageVersion("performance")), insight = as.character(packageVersion("insight"))),
  se_method = "vcov(glmer fit), lme4 default for this version",
  models = list(m0 = describe(m0), m1 = describe(m1), m2 = describe(m2)),
  lrt_m0_m2 = list(chisq = a02$Chisq[2], df = a02$Df[2], p = a02$`Pr(>Chisq)`[2])
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "stats-check.json"))

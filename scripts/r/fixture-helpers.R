# Shared helpers for the R reference scripts (make-glmm-fixtures.R, make-stats-fixtures.R, fit-glmer.R).
#
# R is the reference the TypeScript solver is measured against, never a runtime dependency: these
# helpers turn an lme4 or glmmTMB fit into plain lists that are written as JSON fixtures.
#
# Conventions (they matter for comparisons, see test/fixtures/README.md):
#  * Collation is forced to "C" so that factor levels sort by code point, exactly as JavaScript's
#    default sort does; R's default reference level (the first level) is then the same on both sides.
#  * Numbers are written with 15 significant digits (jsonlite digits = NA).

Sys.setlocale("LC_COLLATE", "C")

suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

# Versions of everything that produced a fixture.
software_versions <- function() {
  v <- list(
    R = R.version.string,
    lme4 = as.character(packageVersion("lme4")),
    Matrix = as.character(packageVersion("Matrix"))
  )
  if (requireNamespace("glmmTMB", quietly = TRUE)) v$glmmTMB <- as.character(packageVersion("glmmTMB"))
  if (requireNamespace("performance", quietly = TRUE)) v$performance <- as.character(packageVersion("performance"))
  if (requireNamespace("insight", quietly = TRUE)) v$insight <- as.character(packageVersion("insight"))
  v
}

write_json_file <- function(x, path) {
  txt <- jsonlite::toJSON(x, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE)
  tmp <- paste0(path, ".tmp")
  writeLines(txt, tmp)
  # Replace in one step so an interrupted run never leaves a half-written fixture.
  if (!file.rename(tmp, path)) stop("could not move ", tmp, " to ", path)
  invisible(path)
}

# Plain CSV without quotes (no fixture value holds a comma, a quote or a newline; checked), so even the
# simplest reader gets the values right; column types come from the fixture JSON, not from quoting.
write_csv_file <- function(d, path) {
  for (nm in names(d)) {
    if (is.character(d[[nm]]) && any(grepl("[,\"\n]", d[[nm]]))) stop("column ", nm, " holds a comma, quote or newline")
  }
  tmp <- paste0(path, ".tmp")
  utils::write.csv(d, tmp, row.names = FALSE, na = "", quote = FALSE)
  if (!file.rename(tmp, path)) stop("could not move ", tmp, " to ", path)
  invisible(path)
}

# Read a fixture CSV back exactly as the TS side is told to: the listed factor columns as factors with
# levels in code-point order (R's default reference = the first), other text columns as text.
read_fixture_csv <- function(path, factors) {
  cc <- rep("character", length(factors)); names(cc) <- factors
  d <- read.csv(path, stringsAsFactors = FALSE, colClasses = cc, na.strings = "")
  for (f in factors) d[[f]] <- factor(d[[f]], levels = sort(unique(d[[f]]), method = "radix"))
  d
}

# Column types and factor levels (reference first) of the columns a formula uses, so a reader of the
# CSV (the TS tests) builds exactly the table R fitted: a digit-only factor column such as `niveau`
# would otherwise be read as a number.
describe_columns <- function(d) {
  out <- list()
  for (nm in names(d)) {
    x <- d[[nm]]
    if (is.factor(x)) {
      out[[nm]] <- list(type = "factor", levels = levels(x), reference = levels(x)[1])
    } else if (is.character(x)) {
      out[[nm]] <- list(type = "string")
    } else {
      out[[nm]] <- list(type = "numeric")
    }
  }
  out
}

# Run an expression, collecting (not printing) its warnings and messages.
with_conditions <- function(expr) {
  warnings <- character(0)
  messages <- character(0)
  value <- withCallingHandlers(
    expr,
    warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    },
    message = function(m) {
      messages <<- c(messages, sub("\n$", "", conditionMessage(m)))
      invokeRestart("muffleMessage")
    }
  )
  list(value = value, warnings = warnings, messages = messages)
}

# lme4's convergence diagnostics at the optimum. derivs are over c(theta, beta) (glmer, nAGQ = 1):
#   gradient g and Hessian H of the Laplace deviance by central finite differences (lme4 deriv12);
#   lme4 checkConv's "max|grad|": with H = R'R (R = chol(H), upper triangular) and s = R^-1 g
#   (solve(R, g)), the reported number is max_i min(|s_i|, |g_i|); lme4 warns when it exceeds 0.002.
lme4_convergence <- function(fit, caught_warnings = character(0), caught_messages = character(0)) {
  d <- fit@optinfo$derivs
  maxAbsGradient <- NULL
  checkConvGradient <- NULL
  minHessEig <- NULL
  if (!is.null(d) && !is.null(d$gradient)) {
    maxAbsGradient <- max(abs(d$gradient))
    sc <- tryCatch(solve(chol(d$Hessian), d$gradient), error = function(e) NULL)
    if (!is.null(sc)) checkConvGradient <- max(pmin(abs(sc), abs(d$gradient)))
    minHessEig <- min(eigen(d$Hessian, symmetric = TRUE, only.values = TRUE)$values)
  }
  conv <- fit@optinfo$conv
  list(
    optimizer = fit@optinfo$optimizer,
    optimizerCode = conv$opt,
    functionEvaluations = fit@optinfo$feval,
    lme4Code = if (is.null(conv$lme4$code)) 0L else conv$lme4$code,
    lme4Messages = as.list(if (is.null(conv$lme4$messages)) character(0) else conv$lme4$messages),
    optimizerWarnings = as.list(fit@optinfo$warnings),
    caughtWarnings = as.list(caught_warnings),
    caughtMessages = as.list(caught_messages),
    maxAbsGradient = maxAbsGradient,
    checkConvScaledGradient = checkConvGradient,
    minHessianEigenvalue = minHessEig,
    singular = isSingular(fit)
  )
}

# VarCorr of a merMod: one entry per random-effects term (in theta order), with the grouping factor's
# name as the model has it ("loc:inst" from the / sugar; the same name twice for (1|g) + (0+x|g)).
lme4_varcorr <- function(fit) {
  vc <- VarCorr(fit)
  groups <- names(fit@cnms)
  out <- vector("list", length(vc))
  for (k in seq_along(vc)) {
    S <- vc[[k]]
    sds <- attr(S, "stddev")
    C <- attr(S, "correlation")
    if (is.null(C)) C <- diag(length(sds))
    C <- unname(as.matrix(C))
    C[!is.finite(C)] <- 0 # a zero SD gives NaN correlations in lme4; the solver reports 0
    out[[k]] <- list(
      group = groups[k],
      key = names(vc)[k],
      terms = as.list(fit@cnms[[k]]),
      variance = as.list(unname(diag(as.matrix(S)))),
      sd = as.list(unname(sds)),
      covariance = unname(as.matrix(S)[, , drop = FALSE]),
      corr = C
    )
  }
  out
}

# Conditional modes and conditional covariances, one entry per random-effects term (theta order).
# lme4's ranef(condVar = TRUE) gives, per grouping factor, an array k x k x J when the factor has one
# term, and a list of such arrays (one per term) when it has several uncorrelated terms.
lme4_ranef <- function(fit, max_levels = Inf) {
  re <- ranef(fit, condVar = TRUE)
  cnms <- fit@cnms
  groups <- names(cnms)
  seen <- list()
  out <- list()
  for (k in seq_along(cnms)) {
    g <- groups[k]
    idx <- if (is.null(seen[[g]])) 1L else seen[[g]] + 1L
    seen[[g]] <- idx
    df <- re[[g]]
    pv <- attr(df, "postVar")
    if (is.list(pv)) pv <- pv[[idx]]
    terms <- cnms[[k]]
    levs <- rownames(df)
    J <- min(length(levs), max_levels)
    modes <- unname(as.matrix(df[seq_len(J), terms, drop = FALSE]))
    cv <- lapply(seq_len(J), function(j) unname(matrix(pv[, , j], length(terms), length(terms))))
    out[[k]] <- list(
      group = g,
      terms = as.list(terms),
      nLevels = length(levs),
      levels = as.list(levs[seq_len(J)]),
      modes = modes,
      condVar = cv
    )
  }
  out
}

lme4_ngroups <- function(fit) {
  ng <- ngrps(fit)
  as.list(ng)
}

# Everything a fixture records about a glmer fit. `caught` is the result of with_conditions() around it.
describe_glmer <- function(fit, caught = list(warnings = character(0), messages = character(0)),
                           ranef_max_levels = Inf, elapsed = NULL, with_ranef = TRUE) {
  vH <- with_conditions(as.matrix(vcov(fit)))
  vRXc <- with_conditions(as.matrix(vcov(fit, use.hessian = FALSE)))
  vRX <- vRXc$value
  beta <- fixef(fit)
  seH <- sqrt(diag(vH$value))
  seRX <- sqrt(diag(vRX))
  fixef_rows <- lapply(seq_along(beta), function(j) {
    list(term = names(beta)[j], estimate = unname(beta[j]), se = unname(seH[j]), seRX = unname(seRX[j]))
  })
  ll <- logLik(fit)
  theta <- getME(fit, "theta")
  # Binomial-coefficient constant sum log choose(m_i, y_i): part of lme4's logLik for aggregated rows.
  m <- fit@resp$weights
  yprop <- fit@resp$y
  logChoose <- sum(lchoose(m, round(yprop * m)))
  list(
    fixef = fixef_rows,
    seMethod = "se: sqrt(diag(vcov(fit))), lme4 1.1-31 default = from the finite-difference Hessian of the Laplace deviance over (theta, beta); seRX: sqrt(diag(vcov(fit, use.hessian = FALSE))), from (RX'RX)^-1 of the PIRLS factorisation",
    vcovWarnings = as.list(vH$warnings),
    vcovRXWarnings = as.list(vRXc$warnings),
    vcov = unname(vH$value),
    vcovRX = unname(vRX),
    theta = as.list(unname(theta)),
    thetaNames = as.list(names(theta)),
    varcorr = lme4_varcorr(fit),
    logLik = as.numeric(ll),
    minus2logLik = -2 * as.numeric(ll),
    devianceResiduals = deviance(fit),
    logChooseConstant = logChoose,
    aic = AIC(fit),
    bic = BIC(fit),
    df = attr(ll, "df"),
    nobs = nobs(fit),
    ngroups = lme4_ngroups(fit),
    ranef = if (with_ranef) lme4_ranef(fit, ranef_max_levels) else NULL,
    convergence = lme4_convergence(fit, caught$warnings, caught$messages),
    elapsedSeconds = elapsed
  )
}

# The glmmTMB fit of the same model, as a second opinion (TMB: exact gradient, nlminb, Laplace).
describe_glmmtmb <- function(fit, caught = list(warnings = character(0), messages = character(0)),
                             elapsed = NULL) {
  beta <- glmmTMB::fixef(fit)$cond
  V <- as.matrix(vcov(fit)$cond)
  se <- sqrt(diag(V))
  vc <- glmmTMB::VarCorr(fit)$cond
  vcl <- lapply(seq_along(vc), function(k) {
    S <- vc[[k]]
    sds <- attr(S, "stddev")
    C <- attr(S, "correlation")
    if (is.null(C)) C <- diag(length(sds))
    C <- unname(as.matrix(C))
    C[!is.finite(C)] <- 0
    list(group = names(vc)[k], terms = as.list(names(sds)), sd = as.list(unname(sds)), corr = C)
  })
  ll <- logLik(fit)
  list(
    fixef = lapply(seq_along(beta), function(j) list(term = names(beta)[j], estimate = unname(beta[j]), se = unname(se[j]))),
    seMethod = "sqrt(diag(vcov(fit)$cond)): inverse Hessian of the Laplace objective by TMB automatic differentiation (sdreport)",
    varcorr = vcl,
    logLik = as.numeric(ll),
    aic = AIC(fit),
    bic = BIC(fit),
    nobs = nobs(fit),
    convergence = list(
      nlminbConvergence = fit$fit$convergence,
      nlminbMessage = fit$fit$message,
      pdHess = isTRUE(fit$sdr$pdHess),
      maxAbsGradient = max(abs(fit$sdr$gradient.fixed)),
      caughtWarnings = as.list(caught$warnings),
      caughtMessages = as.list(caught$messages)
    ),
    elapsedSeconds = elapsed
  )
}

fit_glmer_timed <- function(formula, data, control = glmerControl()) {
  t0 <- proc.time()[["elapsed"]]
  caught <- with_conditions(glmer(formula, data = data, family = binomial, control = control))
  list(fit = caught$value, caught = caught, elapsed = proc.time()[["elapsed"]] - t0)
}

fit_glmmtmb_timed <- function(formula, data) {
  t0 <- proc.time()[["elapsed"]]
  caught <- with_conditions(glmmTMB::glmmTMB(formula, data = data, family = binomial))
  list(fit = caught$value, caught = caught, elapsed = proc.time()[["elapsed"]] - t0)
}

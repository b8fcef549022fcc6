#!/usr/bin/env Rscript
# lme4's side of scripts/bench-intervals.ts: on one CSV, fit glmer and time either the profile intervals
# of the variance parameters (confint(fit, parm = "theta_", method = "profile", oldNames = FALSE)) or a
# parametric bootstrap (bootMer(fit, FUN, nsim, use.u = FALSE, type = "parametric"), FUN = theta and
# beta), printing one JSON object with the CPU and wall seconds of that step (the fit timed apart).
#
# The fit uses glmerControl(optimizer = "nloptwrap", calc.derivs = FALSE) -- lme4's own advice for
# speed, the "lme4-fast" engine of bench-glmm -- and bootMer's refits inherit it, so R is timed at its
# fastest documented setting.
#
# Usage: Rscript scripts/r/bench-intervals.R --data FILE.csv --formula "..." --what profile|boot [--nsim N] [--seed S]

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

a <- commandArgs(trailingOnly = TRUE)
opt <- list(nsim = "20", seed = "1")
for (i in seq(1, length(a), by = 2)) opt[[sub("^--", "", a[i])]] <- a[i + 1]
if (is.null(opt$data) || is.null(opt$formula) || !opt$what %in% c("profile", "boot")) {
  stop("usage: bench-intervals.R --data FILE.csv --formula F --what profile|boot [--nsim N] [--seed S]")
}
d <- read.csv(opt$data, stringsAsFactors = FALSE)
for (nm in names(d)) if (is.character(d[[nm]])) d[[nm]] <- factor(d[[nm]], levels = sort(unique(d[[nm]]), method = "radix"))

timed <- function(expr) {
  t0 <- proc.time()
  value <- withCallingHandlers(expr, warning = function(w) {
    warnings_seen <<- c(warnings_seen, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  t <- proc.time() - t0
  list(value = value, cpu = unname(t[["user.self"]] + t[["sys.self"]] + t[["user.child"]] + t[["sys.child"]]), wall = unname(t[["elapsed"]]))
}
warnings_seen <- character(0)
control <- glmerControl(optimizer = "nloptwrap", calc.derivs = FALSE)
f <- timed(glmer(as.formula(opt$formula), data = d, family = binomial, control = control))
fit <- f$value
out <- list(what = opt$what, n = nrow(d), fitCpuSeconds = f$cpu, fitWallSeconds = f$wall, logLik = as.numeric(logLik(fit)))
if (opt$what == "profile") {
  p <- timed(confint(fit, parm = "theta_", method = "profile", oldNames = FALSE))
  out$cpuSeconds <- p$cpu
  out$wallSeconds <- p$wall
  out$intervals <- lapply(rownames(p$value), function(r) list(parameter = r, lower = p$value[r, 1], upper = p$value[r, 2]))
} else {
  nsim <- as.integer(opt$nsim)
  set.seed(as.integer(opt$seed))
  b <- timed(bootMer(fit, function(m) c(getME(m, "theta"), fixef(m)), nsim = nsim, use.u = FALSE, type = "parametric"))
  out$nsim <- nsim
  out$cpuSeconds <- b$cpu
  out$wallSeconds <- b$wall
  out$failed <- sum(!stats::complete.cases(b$value$t))
}
out$warnings <- unique(warnings_seen)
cat(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null"), "\n")

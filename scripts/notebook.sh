#!/usr/bin/env bash
# npm run notebook [-- flags]: on a fresh machine of this kind, install what is missing
# (scripts/setup.sh: Debian's jupyter-notebook and Jupyter, npm ci, build, tslab kernel; every step
# idempotent), then start Jupyter Notebook on notebooks/ with the project's kernel and print its URL
# (scripts/notebook.ts; `npm run notebook -- --help` for flags).
set -euo pipefail
cd "$(dirname "$0")/.."

skip_setup=0
for arg in "$@"; do
  case "$arg" in
    --skip-setup) skip_setup=1 ;;
    -h|--help) skip_setup=1 ;;
  esac
done
if [ "$skip_setup" -eq 0 ]; then
  bash scripts/setup.sh
fi
exec node --import tsx scripts/notebook.ts "$@"

#!/usr/bin/env bash
# Installs what the workspace needs on a fresh machine of this kind (Debian 12, Node 20, root or sudo):
# Jupyter from Debian (not pip), the npm packages from the lockfile, the compiled src/ as the
# "kansen-mbo" package for the notebooks, and the tslab kernel registered project-locally.
# Idempotent: every step is skipped when its result is already there. Used by `npm run reproduce`
# (scripts/reproduce.sh) and by CI (.ci/run) before `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or later is needed (found: $(node --version 2>/dev/null || echo none))"
  exit 1
fi

# Jupyter for Debian's own python3 (/usr/bin/python3): nbclient runs the notebooks, nbconvert exports
# them to HTML, ipykernel/jupyter-client start kernels. The python3 first on PATH may be another
# interpreter; every script here calls /usr/bin/python3 explicitly.
APT_PACKAGES=(jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client jupyter-core)
# The notebooks in a browser (`npm run notebook`): Debian's Jupyter Notebook 6.4 (JupyterLab exists only
# on PyPI); and the browser of the real-browser test in `npm test` (test/browser/), driven by puppeteer-core.
APT_PACKAGES+=(jupyter-notebook chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing from Debian: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! /usr/bin/python3 -c 'import nbclient, nbconvert, nbformat' 2>/dev/null; then
  say "/usr/bin/python3 cannot import nbclient/nbconvert after the install; see the apt output above"
  exit 1
fi

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

# src/ -> dist/, served to the notebooks as node_modules/kansen-mbo (scripts/build.cjs, link-dist.mjs);
# rebuilt only when the sources differ from the ones dist/ was built from (a content fingerprint).
node scripts/build.cjs --if-stale

# Register the tslab kernel inside the project (never in the user's global Jupyter folders); again if
# the registered kernel points at another checkout's tslab.
KERNEL_PREFIX="$PWD/.jupyter-local"
KERNEL_JSON="$KERNEL_PREFIX/share/jupyter/kernels/tslab/kernel.json"
TSLAB_BIN="$PWD/node_modules/.bin/tslab"
if [ ! -f "$KERNEL_JSON" ] || ! grep -qF "\"$TSLAB_BIN\"" "$KERNEL_JSON"; then
  say "registering the tslab kernel under $KERNEL_PREFIX"
  node_modules/.bin/tslab install --python=/usr/bin/python3 --binary="$TSLAB_BIN" --prefix="$KERNEL_PREFIX" >/dev/null
fi
say "ready (nbclient $(/usr/bin/python3 -c 'import nbclient; print(nbclient.__version__)'), tslab $(node -p 'require("tslab/package.json").version'), kernel in $KERNEL_PREFIX)"

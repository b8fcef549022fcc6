#!/usr/bin/env bash
# Installs what the workspace needs on a fresh machine of this kind (Debian, Node 20, root):
# Jupyter from Debian (not pip), the npm packages from the lockfile, the compiled src/ as the
# "kansen-mbo" package for the notebooks, and the tslab kernel registered project-locally.
# Idempotent: every step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client jupyter-core)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing from Debian: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi

npm run --silent build

# Register the tslab kernel inside the project (never in the user's global Jupyter folders).
KERNEL_PREFIX="$PWD/.jupyter-local"
if [ ! -f "$KERNEL_PREFIX/share/jupyter/kernels/tslab/kernel.json" ]; then
  echo "setup: registering the tslab kernel under $KERNEL_PREFIX"
  node_modules/.bin/tslab install --python=/usr/bin/python3 --binary="$PWD/node_modules/.bin/tslab" --prefix="$KERNEL_PREFIX" >/dev/null
fi

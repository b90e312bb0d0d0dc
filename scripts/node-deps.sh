#!/usr/bin/env bash
# Installs the pinned reference packages (tools/node/package.json) from npm
# into tools/node/node_modules, once. Needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/../tools/node"
if ! command -v npm >/dev/null; then
  echo "npm is required (apt-get install nodejs npm)" >&2; exit 1
fi
stamp=node_modules/.fastsio-stamp
if [ -f "$stamp" ] && cmp -s package.json "$stamp"; then exit 0; fi
npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null
cp package.json "$stamp"

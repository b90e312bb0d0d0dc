#!/usr/bin/env bash
# The main job: starts the fastsio chat demo (tools/cmd/demo) on 127.0.0.1.
# Installs the pinned socket.io 1.7.3 client bundle from npm first (it is
# served to the browser at run time and never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/node-deps.sh
cd tools
exec go run ./cmd/demo "$@"

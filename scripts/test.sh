#!/usr/bin/env bash
# Runs every test of every module: gofmt, go vet, go test -race, plus the live
# interop tests against the real socket.io-client 1.7.3 / engine.io-client
# 1.8.3, which this script installs first (scripts/node-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

modules=(socketio-parser engineio socketio conformance tools)

echo "== installing the Node reference clients for the live tests"
bash scripts/node-deps.sh
bash scripts/browser-deps.sh # Debian's chromium for tools/interop/browser_test.go
if [ -x /usr/bin/chromium ]; then export FASTSIO_CHROMIUM=/usr/bin/chromium; fi
export FASTSIO_NODE_MODULES="$root/tools/node/node_modules"
export FASTSIO_REQUIRE_NODE=1

echo "== gofmt"
bad=$(gofmt -l $(git ls-files -co --exclude-standard -- '*.go') || true)
if [ -n "$bad" ]; then echo "gofmt would change:"; echo "$bad"; exit 1; fi

echo "== installing staticcheck (pinned)"
GOBIN="$root/.cache/bin" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
staticcheck="$root/.cache/bin/staticcheck"

fail=0
for m in "${modules[@]}"; do
  echo "== $m: go vet"
  (cd "$m" && go vet ./...) || fail=1
  echo "== $m: staticcheck"
  (cd "$m" && "$staticcheck" ./...) || fail=1
  echo "== $m: go test -race"
  (cd "$m" && go test -race -count=1 -timeout 20m ./...) || fail=1
done

echo "== checklist coverage (tests naming ../shared/spec/checklist.md IDs)"
(cd conformance && go run ./cmd/coverage) || fail=1

if [ "$fail" != 0 ]; then
  echo "FAIL: at least one module failed"
  exit 1
fi
echo "all modules passed"

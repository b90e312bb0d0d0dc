#!/usr/bin/env bash
# Re-records the conformance corpus (conformance/testdata/<layer>/<case>.jsonl)
# from the real reference stack: builds the Go recording proxy
# (tools/cmd/recorder), installs the pinned Node packages, and runs the
# scenarios in tools/node/record/ (see tools/node/README.md).
#
#   scripts/record.sh                 all cases (browser cases need chromium;
#                                     installed with apt-get if missing)
#   scripts/record.sh polling rooms   cases by name, layer/name or layer
#   scripts/record.sh --list          list the cases
#   scripts/record.sh --install-chromium
#
# RECORD_OUT=/some/dir writes there instead of conformance/testdata.
# Recording is for humans re-generating the corpus, not for CI.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

ensure_chromium() {
  if command -v chromium >/dev/null 2>&1; then return 0; fi
  echo "== installing Debian's chromium (browser recordings only)" >&2
  if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

if [ "${1:-}" = "--install-chromium" ]; then
  ensure_chromium
  exit 0
fi

bash scripts/node-deps.sh

if [ "${1:-}" = "--list" ]; then
  exec node tools/node/record/run.js --list
fi

# Browser cases are part of "all" and of any explicit browser-* selection.
want_browser=0
if [ $# = 0 ]; then want_browser=1; fi
for a in "$@"; do
  case "$a" in *browser*) want_browser=1 ;; esac
done
if [ "$want_browser" = 1 ]; then
  ensure_chromium
  export CHROMIUM_BIN=${CHROMIUM_BIN:-$(command -v chromium)}
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== building tools/cmd/recorder" >&2
(cd tools && go build -o "$tmp/recorder" ./cmd/recorder)
export RECORDER_BIN="$tmp/recorder"

status=0
node tools/node/record/run.js "$@" || status=$?

# Validate what was written (JSON lines, meta first, seq/t_ms order).
out=${RECORD_OUT:-$root/conformance/testdata}
node tools/node/record/show.js --check $(find "$out" -name '*.jsonl' | sort) >/dev/null || status=1
exit $status

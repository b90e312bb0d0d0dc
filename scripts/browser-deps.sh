#!/usr/bin/env bash
# Installs Debian's chromium for the live browser test
# (tools/interop/browser_test.go), once: a no-op when /usr/bin/chromium
# exists. Installing needs root and apt-get; without them this prints why
# and exits 0, so the caller carries on (the browser test then skips, or
# fails when FASTSIO_REQUIRE_NODE is set).
set -uo pipefail

if [ -x /usr/bin/chromium ]; then exit 0; fi

if [ "$EUID" != 0 ]; then
  echo "browser-deps: chromium is not installed and this is not root: skipping" \
    "(install Debian's chromium, or set FASTSIO_CHROMIUM to a chromium binary)" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser-deps: chromium is not installed and apt-get is unavailable: skipping" \
    "(set FASTSIO_CHROMIUM to a chromium binary)" >&2
  exit 0
fi

echo "== installing Debian's chromium (apt-get) for the browser interop test" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq &&
       DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$log" 2>&1; then
  echo "browser-deps: apt-get could not install chromium; last lines of its output:" >&2
  tail -n 20 "$log" >&2
  exit 0
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "browser-deps: apt-get finished but /usr/bin/chromium is missing" >&2
fi
exit 0

#!/usr/bin/env bash
# Benchmark suite: every load-generator scenario against
#   fastsio  - tools/cmd/testapp (the Go contract app),
#   node     - socket.io 1.7.3 on Node (tools/node/ref/testapp.js, installed
#              by scripts/node-deps.sh),
#   bare     - tools/cmd/bareecho (bare fasthttp/websocket ceiling; websocket
#              scenarios only),
# in one run: servers alternate within each scenario (the order rotates every
# round), BENCH_ROUNDS rounds, a fresh server process for every
# scenario/round. Prints the medians as a markdown table with the ratios
# fastsio/Node and fastsio/bare (tools/cmd/loadgen -scenario report).
#
# Environment:
#   BENCH_QUICK=1         small smoke run (a minute or two)
#   BENCH_ROUNDS=N        rounds (default 3; quick: 1)
#   BENCH_SERVERS="..."   subset of "fastsio node bare" (default all three)
#   BENCH_SCENARIOS="..." subset of the scenario names below (default all)
#   BENCH_OUT=dir         where binaries, logs and results go
#                         (default a fresh directory under /tmp)
#   BENCH_HOLD=5m         connect: also hold the connections this long at the
#                         last step and report RSS growth (default off)
# Scenario names: connect echo fanout-1k-100 fanout-1k-4k fanout-10k-100
#                 fanout-10k-4k polling churn
#
# The machine's limit of 20,000 open files per process caps a server at about
# 19,900 connections; the largest connect step is 15,000.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then rounds=${BENCH_ROUNDS:-1}; else rounds=${BENCH_ROUNDS:-3}; fi
servers=${BENCH_SERVERS:-"fastsio node bare"}
scenarios=${BENCH_SCENARIOS:-"connect echo fanout-1k-100 fanout-1k-4k fanout-10k-100 fanout-10k-4k polling churn"}
out=${BENCH_OUT:-$(mktemp -d /tmp/fastsio-bench.XXXXXX)}
mkdir -p "$out/bin" "$out/logs"
results=$out/results.jsonl
: >"$results"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Arguments of loadgen for one scenario (after -url/-server/...).
scenario_args() {
  local s=$1
  if [ "$quick" = 1 ]; then
    case $s in
      connect) echo "-scenario connect -n 200,500 -settle 1s" ;;
      echo) echo "-scenario echo -clients 20 -warmup 500ms -duration 2s" ;;
      fanout-1k-100) echo "-scenario fanout -n 200 -messages 20 -payload 100" ;;
      fanout-1k-4k) echo "-scenario fanout -n 200 -messages 20 -payload 4096" ;;
      fanout-10k-100) echo "-scenario fanout -n 500 -messages 5 -payload 100" ;;
      fanout-10k-4k) echo "-scenario fanout -n 500 -messages 5 -payload 4096" ;;
      polling) echo "-scenario polling -clients 10 -warmup 500ms -duration 2s" ;;
      churn) echo "-scenario churn -clients 10 -duration 2s" ;;
      *) return 1 ;;
    esac
    return
  fi
  case $s in
    connect)
      local a="-scenario connect -n 1000,5000,15000 -settle 3s"
      [ -n "${BENCH_HOLD:-}" ] && a="$a -hold $BENCH_HOLD"
      echo "$a" ;;
    echo) echo "-scenario echo -clients 50 -warmup 2s -duration 10s" ;;
    fanout-1k-100) echo "-scenario fanout -n 1000 -messages 100 -payload 100 -timeout 120s" ;;
    fanout-1k-4k) echo "-scenario fanout -n 1000 -messages 100 -payload 4096 -timeout 120s" ;;
    fanout-10k-100) echo "-scenario fanout -n 10000 -messages 10 -payload 100 -timeout 120s" ;;
    fanout-10k-4k) echo "-scenario fanout -n 10000 -messages 10 -payload 4096 -timeout 120s" ;;
    polling) echo "-scenario polling -clients 20 -warmup 2s -duration 10s" ;;
    churn) echo "-scenario churn -clients 50 -duration 10s -timeout 30s" ;;
    *) return 1 ;;
  esac
}

# Which servers can run a scenario (bare has no polling).
applies() {
  local server=$1 s=$2
  [ "$server" = bare ] && [ "$s" = polling ] && return 1
  return 0
}

log "building into $out/bin"
(cd "$root/tools" && go build -o "$out/bin/loadgen" ./cmd/loadgen && go build -o "$out/bin/bareecho" ./cmd/bareecho)
have=""
for s in $servers; do
  case $s in
    fastsio)
      if (cd "$root/tools" && go build -o "$out/bin/testapp" ./cmd/testapp) 2>"$out/logs/build-testapp.log"; then
        have="$have fastsio"
      else
        log "WARNING: tools/cmd/testapp does not build; fastsio skipped (see $out/logs/build-testapp.log)"
      fi ;;
    node)
      if command -v node >/dev/null && [ -f "$root/tools/node/ref/testapp.js" ] &&
        bash "$root/scripts/node-deps.sh"; then
        have="$have node"
      else
        log "WARNING: node, tools/node/ref/testapp.js or its packages missing; node skipped"
      fi ;;
    bare) have="$have bare" ;;
    *) log "unknown server $s"; exit 2 ;;
  esac
done
read -r -a have <<<"$have"
if [ ${#have[@]} -eq 0 ]; then log "no server to benchmark"; exit 1; fi

server_pid=""
server_port=""

start_server() {
  local name=$1 logf=$2
  local fifo=$out/logs/.server-stdout
  rm -f "$fifo"
  case $name in
    fastsio) PORT=0 "$out/bin/testapp" >"$fifo" 2>"$logf" & ;;
    node) PORT=0 node "$root/tools/node/ref/testapp.js" >"$fifo" 2>"$logf" & ;;
    bare) PORT=0 "$out/bin/bareecho" >"$fifo" 2>"$logf" & ;;
  esac
  server_pid=$!
  server_port=""
  for _ in $(seq 200); do
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    server_port=$(sed -n 's/^listening \([0-9][0-9]*\)$/\1/p' "$fifo" | head -1)
    [ -n "$server_port" ] && return 0
    sleep 0.1
  done
  log "server $name did not print 'listening <port>' (log: $logf)"
  stop_server
  return 1
}

stop_server() {
  [ -z "$server_pid" ] && return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap stop_server EXIT

log "servers: ${have[*]}; scenarios: $scenarios; rounds: $rounds; quick=$quick"
for round in $(seq "$rounds"); do
  for s in $scenarios; do
    args=$(scenario_args "$s") || { log "unknown scenario $s"; exit 2; }
    # Rotate the server order every round so no server always runs first.
    n=${#have[@]}
    for i in $(seq 0 $((n - 1))); do
      name=${have[$(((i + round - 1) % n))]}
      applies "$name" "$s" || continue
      tag="r$round-$s-$name"
      if ! start_server "$name" "$out/logs/$tag.server.log"; then
        continue
      fi
      log "round $round: $s on $name (port $server_port)"
      # shellcheck disable=SC2086
      if ! "$out/bin/loadgen" -url "http://127.0.0.1:$server_port" -server "$name" -round "$round" \
        -server-pid "$server_pid" $args >"$out/logs/$tag.out" 2>"$out/logs/$tag.err"; then
        log "FAILED: $tag: $(tail -1 "$out/logs/$tag.err")"
      fi
      grep -v '^{' "$out/logs/$tag.out" >&2 || true
      grep '^{"type":"result"' "$out/logs/$tag.out" >>"$results" || true
      stop_server
      sleep 1 # let the kernel reap sockets between runs
    done
  done
done

{
  echo
  echo "Benchmark: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(uname -sr), go $(go env GOVERSION | sed 's/^go//'), node $(node --version 2>/dev/null || echo -), rounds=$rounds, quick=$quick"
  echo "Medians over rounds; ratios are of the raw figures (for latency and memory lower is better)."
  echo
  "$out/bin/loadgen" -scenario report -in "$results"
} | tee "$out/table.md"
log "results: $results; table: $out/table.md"

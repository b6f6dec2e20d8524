#!/usr/bin/env bash
# Zero-loss check (docs/experiments/dr.md): the primary site is lost at a random moment while 'roost dr bench' runs
# (its route to the cloud site blackholed, then its process SIGKILLed); the cloud site's journal must hold every commit
# whose reply was released to a client (sync, pipelined), or all but at most the lag (async, --lag).
# Usage (root): docs/experiments/dr-crash.sh MODE RUNS [LAG]; needs 'roost lab wan up --name dr ...' first.
set -euo pipefail
mode=$1; runs=$2; lag=${3:-64}
root=$(cd "$(dirname "$0")/../.." && pwd)
roost="dotnet $root/artifacts/bin/Roost.Cli/release/roost.dll"
work=$(mktemp -d /tmp/roost-dr-crash.XXXXXX)    # 0700
restore() { ip netns exec roost-dr-s1 ip route replace 10.77.2.0/24 via 10.77.0.2 dev wan0; }
trap 'kill "${serve:-}" "${bench:-}" 2>/dev/null || true; restore; rm -rf "$work"' EXIT
head -c 32 /dev/urandom > "$work/key"; chmod 600 "$work/key"
failures=0
for run in $(seq "$runs"); do
  rm -rf "$work/site" "$work/acked"
  ip netns exec roost-dr-s2 $roost dr serve --listen 10.77.2.1:7411 --dir "$work/site" --secret-file "$work/key" --vm 1:64 > "$work/serve.log" 2>&1 &
  serve=$!
  for _ in $(seq 50); do grep -q listening "$work/serve.log" && break; sleep 0.2; done
  ip netns exec roost-dr-s1 $roost dr bench --to 10.77.2.1:7411 --secret-file "$work/key" --mode "$mode" --seconds 60 --lag "$lag" --acked-log "$work/acked" > /dev/null 2>&1 &
  bench=$!
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 2 + 3 * r / 32767 }')"
  ip netns exec roost-dr-s1 ip route replace blackhole 10.77.2.0/24
  kill -9 "$bench"; wait "$bench" 2>/dev/null || true
  sleep 1
  kill "$serve"; wait "$serve" || true
  restore
  applied=$(sed -n 's/.*applied {vm-1:\([0-9]*\)}.*/\1/p' "$work/serve.log"); applied=${applied:-0}
  acked=$(sort -n "$work/acked" 2>/dev/null | tail -1); acked=${acked:-0}
  lost=$(( acked > applied ? acked - applied : 0 ))
  bound=0; [ "$mode" = async ] && bound=$lag
  verdict=ok; [ "$lost" -gt "$bound" ] && { verdict=LOST; failures=$((failures + 1)); }
  echo "run=$run mode=$mode acked=$acked at_cloud=$applied lost=$lost bound=$bound $verdict load1=$(cut -d' ' -f1 /proc/loadavg)"
done
echo "mode=$mode runs=$runs failures=$failures"

#!/usr/bin/env bash
# Client-visible throughput and latency of a transactional service whose every commit is a disk write replicated
# to the cloud site, for sync, pipelined and async replication, over the WAN lab (docs/experiments/dr.md).
# Usage (root): docs/experiments/dr-bench.sh [RUNS] [SECONDS] [CLIENTS]; needs 'roost lab wan up --name dr ...' first.
set -euo pipefail
runs=${1:-3}; seconds=${2:-10}; clients=${3:-8}
root=$(cd "$(dirname "$0")/../.." && pwd)
roost="dotnet $root/artifacts/bin/Roost.Cli/release/roost.dll"
work=$(mktemp -d /tmp/roost-dr-bench.XXXXXX)    # 0700
trap 'kill "${serve:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
head -c 32 /dev/urandom > "$work/key"; chmod 600 "$work/key"
for mode in sync pipelined async; do
  for run in $(seq "$runs"); do
    rm -rf "$work/site"
    ip netns exec roost-dr-s2 $roost dr serve --listen 10.77.2.1:7411 --dir "$work/site" --secret-file "$work/key" --vm 1:64 > "$work/serve.log" 2>&1 &
    serve=$!
    for _ in $(seq 50); do grep -q listening "$work/serve.log" && break; sleep 0.2; done
    ip netns exec roost-dr-s1 $roost dr bench --to 10.77.2.1:7411 --secret-file "$work/key" --mode "$mode" --seconds "$seconds" --clients "$clients"
    kill "$serve"; wait "$serve" || true
    tail -1 "$work/serve.log"
  done
done

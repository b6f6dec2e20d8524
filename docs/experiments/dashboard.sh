#!/usr/bin/env bash
# The dashboard at 1,000 hosts / 5,000 VMs (docs/experiments/dashboard.md): starts 'roost serve' over a simulated fleet
# of that size (its control loop stepping every second, automatic mode, SQLite), lets it store WARMUP seconds of
# history, then loads the dashboard RUNS times in a fresh headless Chromium (tests/browser/dashboard-fleet.mjs,
# measure mode) and prints each run's JSON line, the load average beside it, and the medians.
# Usage, from the repository root (tests/browser needs 'npm ci' once):
#   docs/experiments/dashboard.sh [RUNS] [WARMUP_SECONDS] [HOSTS] [VMS]
# Loopback only; everything it starts is stopped at the end.
set -euo pipefail
runs=${1:-5}
warmup=${2:-60}
hosts=${3:-1000}
vms=${4:-5000}
work=$(mktemp -d)
port=47391
cleanup() { kill "${serve:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

./roost serve --data "$work/data" --listen 127.0.0.1:$port --hosts "$hosts" --vms "$vms" >"$work/serve.log" 2>&1 &
serve=$!
for try in $(seq 1200); do  # the first ./roost builds the CLI: up to 10 minutes
  curl -s http://127.0.0.1:$port/healthz 2>/dev/null | grep -q '"status":"ok"' && break
  kill -0 "$serve" 2>/dev/null || { echo "roost serve exited:" >&2; cat "$work/serve.log" >&2; exit 1; }
  [ "$try" -lt 1200 ] || { echo "roost serve did not become healthy within 10 minutes" >&2; exit 1; }
  sleep 0.5
done
sleep "$warmup"
token=$(cat "$work/data/token")
url=http://127.0.0.1:$port/
echo "overview (curl, one poll without since): $(curl -s -o /dev/null -w '%{size_download}' "$url"api/overview) bytes;" \
  "host inventory: $(curl -s -o /dev/null -w '%{size_download}' "$url"api/overview/hosts) bytes"
results=()
for i in $(seq "$runs"); do
  line=$(cd tests/browser && node dashboard-fleet.mjs "$url" "$token" "$hosts" measure)
  echo "run $i: $line"
  echo "        $(uptime)"
  results+=("$line")
done
printf '%s\n' "${results[@]}" > "$work/results.jsonl"
python3 - "$work/results.jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
first = [r["firstRenderMs"] for r in rows]
firsts = [r["overviewBytes"][0] for r in rows]
polls = [b for r in rows for b in r["overviewBytes"][1:]]
search = [r["searchMs"] for r in rows]
tasks = [r["longTasksAfterFirstRender"] for r in rows]
print(f"first render: median {statistics.median(first):.0f} ms (runs: {first})")
print(f"overview per refresh (with since): median {statistics.median(polls):.0f} bytes, max {max(polls)} bytes over {len(polls)} polls; first poll median {statistics.median(firsts):.0f} bytes")
print(f"search redraw: median {statistics.median(search)} ms (runs: {search}); long tasks after first render: {tasks}")
EOF

#!/usr/bin/env bash
# The WAN lab's figures (docs/experiments/wan-lab.md): for each link, bring a lab up, measure it three times
# (20 pings, then a 5 s TCP transfer from site 1 to site 2), and tear it down. Needs root.
# Usage: docs/experiments/wan-lab.sh [RATE:RTT ...]   (default: the table's links)
set -euo pipefail
roost="${ROOST:-$(dirname "$0")/../../roost}"
links=("$@")
[ ${#links[@]} -gt 0 ] || links=(100mbit:0 100mbit:40ms 100mbit:100ms 1gbit:40ms 10gbit:0)
name="wanexp$$"
name="${name:0:10}"
trap '$roost lab wan down --name "$name" >/dev/null 2>&1 || true' EXIT
for link in "${links[@]}"; do
  rate="${link%%:*}" rtt="${link##*:}"
  echo "== $rate, rtt $rtt (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  $roost lab wan up --name "$name" --bandwidth "$rate" --rtt "$rtt" | head -1
  for run in 1 2 3; do
    $roost lab wan measure --name "$name" --seconds 5 --pings 20 | sed "s/^/run $run: /"
  done
  $roost lab wan status | grep -E '^  s[12]:'
  $roost lab wan down --name "$name" >/dev/null
done

#!/usr/bin/env bash
# Interleaved A/B of whole-process runs of several builds of the CLI (docs/experiments/simulator-performance.md).
#   docs/experiments/simulator-ab.sh ROUNDS BUILD_DIR... -- ROOST_ARGUMENTS...
# Each BUILD_DIR holds a published CLI (roost.dll), e.g. made with
#   dotnet publish src/Roost.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o DIR
# Every round runs each build once, in an order that rotates from round to round, so that a change of load hits
# every build alike; each run prints its build, wall and user seconds and the 1-minute load average, and the
# medians come last. The output of every run must be identical: the script stops if one differs.
set -euo pipefail
rounds="$1"; shift
builds=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do builds+=("$1"); shift; done
[ "$#" -gt 0 ] && shift
[ "${#builds[@]}" -ge 1 ] || { echo "usage: simulator-ab.sh ROUNDS BUILD_DIR... -- ROOST_ARGUMENTS..." >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
n="${#builds[@]}"
for ((r = 0; r < rounds; r++)); do
  for ((k = 0; k < n; k++)); do
    b="${builds[$(((r + k) % n))]}"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    /usr/bin/time -f "%e %U" -o "$out/time" dotnet "$b/roost.dll" "$@" >"$out/result"
    read -r wall user <"$out/time"
    sum="$(sha256sum <"$out/result" | cut -c1-16)"
    if [ -f "$out/expected" ] && [ "$sum" != "$(cat "$out/expected")" ]; then
      echo "$b: output differs ($sum)" >&2; exit 1
    fi
    echo "$sum" >"$out/expected"
    echo "$(basename "$b") round $((r + 1)) wall $wall user $user load $load" | tee -a "$out/runs"
  done
done
echo "output sha256 prefix $(cat "$out/expected")"
for b in "${builds[@]}"; do
  name="$(basename "$b")"
  wall="$(awk -v b="$name" '$1 == b { print $5 }' "$out/runs" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
  user="$(awk -v b="$name" '$1 == b { print $7 }' "$out/runs" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
  echo "median $name: wall $wall s, user $user s ($rounds runs)"
done

#!/usr/bin/env bash
# Linux KSM's measured saving beside Roost's estimate, for sharing-aware placement and first fit of the same real
# guests (docs/experiments/ksm-sharing.md). Usage: docs/experiments/ksm-sharing.sh [runs=3]. Each run is the
# experiment KsmPlacementExperiment (8 guests of the four image profiles, mergeable RAM, two hosts run one after the
# other under one KSM session that restores KSM's settings afterwards); needs root, QEMU and the four images
# (./roost image build --profile NAME). Prints each run's per-policy line, the load average beside it, and the medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
work=$(mktemp -d /tmp/roost-ksm.XXXXXX)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
value() { grep -o " $1=[^ ]*" | cut -d= -f2; }
for run in $(seq 1 "$runs"); do
  ROOST_EXPERIMENT=ksm-sharing dotnet test tests/Roost.Hypervisor.Tests -c Release --filter KsmPlacement \
    --logger "console;verbosity=detailed" > "$work/run$run.log" 2>&1 || { tail -30 "$work/run$run.log"; exit 1; }
  echo "run $run: $(uptime | sed 's/.*load/load/')"
  grep -o 'ksm-host .*' "$work/run$run.log" | sort -u | sed 's/^/  /'
  grep -o 'ksm-policy .*' "$work/run$run.log" | sort -u | tee -a "$work/policies" | sed 's/^/  /'
done
echo "medians over $runs runs:"
for policy in $(value policy < "$work/policies" | sort -u); do
  lines=$(grep " policy=$policy " "$work/policies")
  printf '  %s: placed %s, KSM measured %s pages, Roost estimate %s pages, estimate/measured %s\n' "$policy" \
    "$(value placed <<< "$lines" | median)" "$(value measured <<< "$lines" | median)" \
    "$(value estimate <<< "$lines" | median)" "$(value ratio <<< "$lines" | median)"
done

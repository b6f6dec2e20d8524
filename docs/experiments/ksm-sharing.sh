#!/usr/bin/env bash
# Linux KSM's measured saving beside Roost's estimate, for sharing-aware placement and first fit of the same real
# guests (docs/experiments/ksm-sharing.md). Usage: docs/experiments/ksm-sharing.sh [runs=3] [library|controller].
# library (default): the experiment KsmPlacementExperiment, Roost's placement library places the guests;
# controller: ControllerKsmPlacementExperiment, a controller over two real agents places them through POST /api/vms
# with placement firstFit, then sharing. Either way 8 guests of the four image profiles with mergeable RAM, each
# host's guests run alone under one KSM session that restores KSM's settings afterwards; needs root, QEMU and the four
# images (./roost image build --profile NAME). Prints each run's per-policy line, the load average beside it, and the
# medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
case "${2:-library}" in
  library) experiment=ksm-sharing project=tests/Roost.Hypervisor.Tests filter=KsmPlacement ;;
  controller) experiment=ksm-sharing-controller project=tests/Roost.Controller.Tests filter=ControllerKsmPlacement ;;
  *) echo "ksm-sharing.sh: '$2' is not library or controller" >&2; exit 2 ;;
esac
work=$(mktemp -d /tmp/roost-ksm.XXXXXX)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
value() { grep -o " $1=[^ ]*" | cut -d= -f2; }
for run in $(seq 1 "$runs"); do
  ROOST_EXPERIMENT=$experiment dotnet test "$project" -c Release --filter "$filter" \
    --logger "console;verbosity=detailed" > "$work/run$run.log" 2>&1 || { tail -30 "$work/run$run.log"; exit 1; }
  echo "run $run: $(uptime | sed 's/.*load/load/')"
  grep -o 'placement policy=.*' "$work/run$run.log" | sed 's/^/  /' || true
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

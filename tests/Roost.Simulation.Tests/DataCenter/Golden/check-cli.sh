#!/usr/bin/env bash
# Checks the simulator's outputs that go through the CLI against the files beside this script:
#   reproduce-cloudsim-listing.txt  ./roost reproduce cloudsim --vm-order listing (needs ../shared/traces/planetlab)
#   large-runs.sha256               with --large: the JSON of the 2,000- and 20,000-host runs (about a minute)
# Usage: check-cli.sh [--large] [--update]. --update rewrites the files and prints the diff (git diff).
# The VM order "listing" is the file system's, so the table is this machine's; the portable checks are
# GoldenOutputTests (dotnet test tests/Roost.Simulation.Tests -c Release --filter Golden).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
large=0
update=0
for arg in "$@"; do
  case "$arg" in
    --large) large=1 ;;
    --update) update=1 ;;
    *) echo "check-cli.sh: unknown argument '$arg' (use --large, --update)" >&2; exit 2 ;;
  esac
done
cd "$root"
status=0
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

if [ -d ../shared/traces/planetlab ]; then
  # Exit code 1 means a figure outside CloudSim's tolerance, which the table itself shows.
  ./roost reproduce cloudsim --vm-order listing >"$out/reproduce-cloudsim-listing.txt" || true
  if [ "$update" = 1 ]; then
    cp "$out/reproduce-cloudsim-listing.txt" "$here/reproduce-cloudsim-listing.txt"
  elif cmp -s "$out/reproduce-cloudsim-listing.txt" "$here/reproduce-cloudsim-listing.txt"; then
    echo "reproduce cloudsim --vm-order listing: identical ($(tail -1 "$out/reproduce-cloudsim-listing.txt"))"
  else
    echo "reproduce cloudsim --vm-order listing: DIFFERS" >&2
    diff -u "$here/reproduce-cloudsim-listing.txt" "$out/reproduce-cloudsim-listing.txt" >&2 || true
    status=1
  fi
else
  echo "SKIPPED: ../shared/traces/planetlab is absent; the reproduction table was not checked" >&2
fi

if [ "$large" = 1 ]; then
  ./roost simulate --workload synthetic:1:4000 --hosts 2000 --policy lr-mmt-1.2 --json >"$out/synthetic-1-4000vms-2000hosts.json"
  ./roost simulate --workload synthetic:1:40000 --hosts 20000 --policy lr-mmt-1.2 --json >"$out/synthetic-1-40000vms-20000hosts.json"
  if [ "$update" = 1 ]; then
    (cd "$out" && sha256sum synthetic-1-4000vms-2000hosts.json synthetic-1-40000vms-20000hosts.json) >"$here/large-runs.sha256"
  elif ! (cd "$out" && sha256sum -c "$here/large-runs.sha256"); then
    status=1
  fi
fi

if [ "$update" = 1 ]; then
  git --no-pager diff -- "$here"
fi
exit "$status"

#!/usr/bin/env bash
# Publishes the CLI of a commit as it is and with one of the simulator's speed layers turned off per copy, for an
# interleaved A/B with simulator-ab.sh (docs/experiments/simulator-performance.md, "Does each layer earn its place").
#   docs/experiments/simulator-layers.sh OUT_DIR COMMIT [LAYER...]
# OUT_DIR/all is COMMIT as it is; each LAYER named makes OUT_DIR/LAYER with one change to COMMIT's source:
#   plain-scan  the host search is the plain scan (PlainHostScan), not the trees (TreeHostSearch)
#   scalar      the leaf kernel's scalar twin everywhere, not the AVX-512 one
#   recompute   a host's derived state recomputed on every append (PowerDataCenterOptions.RecomputeOnAppend;
#               only up to 840ef37: appending in place was then dropped, as it bought nothing measurable)
#   no-bands    the trees' offset area ordered by offset alone, not by overload-screen band first (only up to
#               840ef37: the bands were then dropped likewise)
#   no-screen   no overload screen: the search skips no host for it, and every overload check is exact
# No layer changes a result: simulator-ab.sh stops if two builds' outputs differ. The layers exist from commit
# 840ef37 (the simulator split by owner); for an older commit name no LAYER. A change that no longer applies stops
# the script with a message.
set -euo pipefail
[ "$#" -ge 2 ] || { echo "usage: simulator-layers.sh OUT_DIR COMMIT [LAYER...]" >&2; exit 2; }
out="$(realpath -m "$1")"
commit="$2"
shift 2
root="$(git rev-parse --show-toplevel)"
src="$(mktemp -d)"
trap 'rm -rf "$src"' EXIT
git -C "$root" archive "$commit" | tar -x -C "$src"

publish() { # NAME
  if ! dotnet publish "$src/src/Roost.Cli/Roost.Cli.csproj" -c Release -r linux-x64 --self-contained false \
      -p:PublishReadyToRun=true -o "$out/$1" --nologo -v quiet >"$src/publish.log" 2>&1; then
    grep -E "error" "$src/publish.log" | sort -u >&2
    echo "simulator-layers.sh: $1 does not build" >&2
    exit 1
  fi
  echo "published $out/$1"
}

variant() { # NAME FILE PERL_SUBSTITUTION: publishes NAME with the change, then restores the file
  local file="$src/$2"
  cp "$file" "$file.orig"
  perl -0pi -e "$3" "$file"
  if cmp -s "$file" "$file.orig"; then
    echo "simulator-layers.sh: $1: the change no longer applies to $2 at $commit" >&2
    exit 1
  fi
  publish "$1"
  mv "$file.orig" "$file"
  touch "$file"
}

dc=src/Roost.Simulation/DataCenter
publish all
for layer in "$@"; do
  case "$layer" in
    plain-scan) variant "$layer" "$dc/ConsolidationPlanner.cs" 's/if \(type >= _fleet\.HostCount \|\|/if (type >= 0 || type >= _fleet.HostCount ||/' ;;
    scalar) variant "$layer" "$dc/Search/LeafKernel.cs" 's/IsVectorized \{ get; \} = Avx512F\.IsSupported && Avx512DQ\.IsSupported;/IsVectorized { get; } = !Avx512F.IsSupported && Avx512F.IsSupported;/' ;;
    recompute) variant "$layer" "$dc/PowerDataCenterOptions.cs" 's/public bool RecomputeOnAppend \{ get; init; \}/public bool RecomputeOnAppend { get; init; } = true;/' ;;
    no-bands) variant "$layer" "$dc/Search/TreeHostSearch.cs" 's/if \(_screen\.Kind != ScreenKind\.Regression\)/if (_screen.Kind != ScreenKind.Regression || _screen.Safety > 0)/' ;;
    no-screen) variant "$layer" "$dc/OverloadScreen.cs" 's/switch \(detector\)/switch (fault == PowerDataCenterFault.None ? null : detector)/' ;;
    *) echo "simulator-layers.sh: unknown layer '$layer' (plain-scan, scalar, recompute, no-bands, no-screen)" >&2; exit 2 ;;
  esac
done

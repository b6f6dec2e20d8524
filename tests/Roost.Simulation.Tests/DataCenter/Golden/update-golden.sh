#!/usr/bin/env bash
# Regenerates the simulator's golden files (GoldenOutputTests) and prints what changed, so that a change of results
# is seen before it is committed. The only way the golden JSON is written.
#   tests/Roost.Simulation.Tests/DataCenter/Golden/update-golden.sh
# For the outputs checked through the CLI (the CloudSim reproduction table, the large runs) see check-cli.sh --update.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
cd "$root"
ROOST_UPDATE_GOLDEN=1 dotnet test tests/Roost.Simulation.Tests -c Release --nologo \
  --filter "FullyQualifiedName~Roost.Simulation.Tests.DataCenter.Golden" >/dev/null
relative="tests/Roost.Simulation.Tests/DataCenter/Golden"
git --no-pager status --short -- "$relative"
git --no-pager diff --stat -- "$relative"
git --no-pager diff -- "$relative"

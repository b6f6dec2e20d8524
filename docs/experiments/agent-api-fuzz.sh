#!/usr/bin/env bash
# Seeded malformed requests against a real 'roost agent' process, CASES per endpoint group (10 groups: every endpoint
# that takes a body or a query), and the agent's peak memory before and after (docs/experiments/security-faults.md).
# Usage, from the repository root:
#   docs/experiments/agent-api-fuzz.sh [CASES_PER_GROUP] [SEED]
# The agent's capacity admits nothing, so no QEMU starts. Loopback only; the agent is stopped at the end.
set -euo pipefail
cases=${1:-10000}
seed=${2:-1}
work=$(mktemp -d)
port=47401
cleanup() { kill "${agent:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "fuzz-token" > "$work/token"
./roost agent --name fuzz-target --listen 127.0.0.1:$port --capacity cpus=1,memory=1 --token-file "$work/token" --accel tcg >"$work/agent.log" 2>&1 &
agent=$!
for try in $(seq 1200); do  # the first ./roost builds the CLI: up to 10 minutes
  curl -sf -H "Authorization: Bearer fuzz-token" http://127.0.0.1:$port/api/agent >/dev/null && break
  kill -0 "$agent" 2>/dev/null || { echo "the agent exited:" >&2; cat "$work/agent.log" >&2; exit 1; }
  [ "$try" -lt 1200 ] || { echo "the agent did not answer within 10 minutes" >&2; exit 1; }
  sleep 0.5
done
pid=$agent  # the roost script execs dotnet: the same process
hwm() { awk '/VmHWM/ {print $2}' "/proc/$pid/status"; }
before=$(hwm)
ROOST_FUZZ_CASES=$cases ROOST_FUZZ_SEED=$seed ROOST_FUZZ_AGENT=http://127.0.0.1:$port/ ROOST_FUZZ_TOKEN=fuzz-token \
  dotnet test tests/Roost.Hypervisor.Tests -c Release --filter FullyQualifiedName~AgentApiFuzzTests \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "^ *(POST|GET|DELETE) /.*cases:|cases \(seed|case [0-9]+ \(seed|Passed!|Failed!" || true
echo "agent VmHWM before: ${before} kB, after: $(hwm) kB; still answering: $(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer fuzz-token' http://127.0.0.1:$port/api/agent)"
echo "agent log: $(wc -l <"$work/agent.log") lines, $(grep -c -E '^\s+at |Exception' "$work/agent.log" || true) with a stack frame or exception name"

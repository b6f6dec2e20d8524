#!/usr/bin/env bash
# Peak memory of a real 'roost agent' process asked to migrate a VM to a destination that answers with an endless
# body (docs/experiments/security-faults.md). Usage, from the repository root:
#   docs/experiments/security-faults.sh [ROOST_COMMAND] [ATTEMPTS] [CREDENTIAL_FIELD]
# ROOST_COMMAND defaults to ./roost; give another build's CLI (e.g. 'dotnet /tmp/old/artifacts/bin/Roost.Cli/release/roost.dll')
# to measure it the same way; builds before migration tickets take CREDENTIAL_FIELD '"destinationToken":"x"'.
# Loopback only; everything it starts is stopped at the end.
set -euo pipefail
roost=${1:-./roost}
attempts=${2:-10}
credential=${3:-'"ticket":"v1.any"'}
work=$(mktemp -d)
agent_port=47301 peer_port=47302
cleanup() { kill "${agent:-}" "${peer:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "experiment-token" > "$work/token"
$roost agent --name endless-src --listen 127.0.0.1:$agent_port --capacity cpus=2,memory=512 --token-file "$work/token" --accel tcg >"$work/agent.log" 2>&1 &
agent=$!
python3 "$(dirname "$0")/endless-peer.py" $peer_port &
peer=$!
auth=(-H "Authorization: Bearer experiment-token" -H "Content-Type: application/json")
for try in $(seq 1200); do  # the first ./roost builds the CLI: up to 10 minutes
  curl -sf "${auth[@]}" http://127.0.0.1:$agent_port/api/agent >/dev/null && break
  kill -0 "$agent" 2>/dev/null || { echo "the agent exited:" >&2; cat "$work/agent.log" >&2; exit 1; }
  [ "$try" -lt 1200 ] || { echo "the agent did not answer within 10 minutes" >&2; exit 1; }
  sleep 0.5
done
pid=$agent  # the roost script execs dotnet: the same process
curl -sf "${auth[@]}" -d '{"id":"vm","cpus":1,"memoryMiB":128}' http://127.0.0.1:$agent_port/api/vms >/dev/null
hwm() { awk '/VmHWM/ {print $2}' "/proc/$pid/status"; }
before=$(hwm)
for i in $(seq "$attempts"); do
  start=$(date +%s.%N)
  answer=$(curl -s "${auth[@]}" -d "{\"destination\":\"http://127.0.0.1:$peer_port/\",$credential}" \
    http://127.0.0.1:$agent_port/api/vms/vm/migrate | head -c 400)
  echo "attempt $i ($(echo "$(date +%s.%N) - $start" | bc | cut -c1-5) s): $answer"
done
state=$(curl -s "${auth[@]}" http://127.0.0.1:$agent_port/api/vms/vm)
echo "VM after the attempts: $state"
echo "agent VmHWM before: ${before} kB, after ${attempts} attempts: $(hwm) kB"

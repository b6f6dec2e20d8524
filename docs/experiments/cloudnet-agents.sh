#!/usr/bin/env bash
# CloudNet through the agents over the WAN lab (docs/experiments/cloudnet.md, "Through the agents"): one `roost agent`
# in each site's namespace; site 1's agent migrates to site 2's through both agents' relays (their default):
#   resident: a 512 MiB mostly idle guest (verifier: 32 MiB rewritten at 10 pages/s) moves from site 1 to site 2,
#             where an idle guest of the same image runs and the agent pins its RAM (--migration-pins residents);
#   disk:     a 256 MiB guest with a 1 GiB disk (300 MiB of real files put in it, the rest never written) moves disk
#             and memory (POST /api/vms {diskMiB}; the destination agent's disk file is compared with the source's).
# Every run checks the guest's memory at the destination (the verifier's wrong pages). Needs root, curl, jq, bc and
# a built image (./roost image build).
# Usage: docs/experiments/cloudnet-agents.sh [runs=3] [parts="resident disk"]
#        env: SIZE=512 (resident part's guest MiB) DISK=1024 FILES=300 (MiB) RATE=100mbit RTT=40ms ROOST=./roost
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
parts=${2:-"resident disk"}
disk=${DISK:-1024} files=${FILES:-300}
# shellcheck source=cloudnet-lib.sh
. docs/experiments/cloudnet-lib.sh # settings, a lab of its own, WAN counters, median
a1=10.77.1.1 port=7101 name1="cn$$-1" name2="cn$$-2"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/token"
chmod 600 "$work/token"
token=$(cat "$work/token")
trap 'cleanup; rm -rf "/tmp/roost/$name1" "/tmp/roost/$name2"' EXIT

api() { # site method path [json]: one call to site 1's or site 2's agent, from inside that site; prints the body
  local ns=$s1 host=$a1
  if [ "$1" = 2 ]; then ns=$s2 host=$a2; fi
  ip netns exec "$ns" curl -sS --max-time 900 -X "$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${4:+-d "$4"} "http://$host:$port/$3"
}
start_agent() { # site name [agent options…]
  local site=$1 name=$2 ns=$s1 host=$a1
  if [ "$site" = 2 ]; then ns=$s2 host=$a2; fi
  shift 2
  ip netns exec "$ns" $roost agent --name "$name" --listen "$host:$port" --capacity cpus=4,memory=4096 \
    --token-file "$work/token" --accel tcg "$@" > "$work/agent$site.log" 2>&1 &
  until grep -q "listening on" "$work/agent$site.log"; do
    if ! kill -0 $! 2>/dev/null; then cat "$work/agent$site.log" >&2; exit 1; fi
    sleep 0.2
  done
}
create() { # site id memoryMiB [diskMiB]
  api "$1" POST api/vms "{\"id\": \"$2\", \"cpus\": 1, \"memoryMiB\": $3${4:+, \"diskMiB\": $4}}" | jq -e '.state == "Running"' >/dev/null
}
migrate() { # id memoryMiB [diskMiB]: ticket from site 2, migrate on site 1; prints the report
  local ticket
  ticket=$(api 2 POST api/incoming/tickets "{\"id\": \"$1\", \"cpus\": 1, \"memoryMiB\": $2${3:+, \"diskMiB\": $3}}" | jq -r .ticket)
  api 1 POST "api/vms/$1/migrate" "{\"destination\": \"http://$a2:$port/\", \"ticket\": \"$ticket\"}"
}
measured() { # run-label report-json before-bytes after-bytes start end: one result line
  local report=$2
  jq -e .totalMs <<<"$report" >/dev/null || { echo "$1 failed: $report"; return 1; }
  echo "$1 wan_bytes=$(( $(cut -d' ' -f1 <<<"$4") - $(cut -d' ' -f1 <<<"$3") )) wall_ms=$(ms "$5" "$6")" \
    "total_ms=$(jq .totalMs <<<"$report") qemu_ms=$(jq .qemuTotalMs <<<"$report") downtime_ms=$(jq .downtimeMs <<<"$report")" \
    "handover_ms=$(jq .handoverMs <<<"$report") relay_wire=$(jq '.relay.wireBytes // 0' <<<"$report")" \
    "stream=$(jq '.relay.streamBytes // 0' <<<"$report") pinned=$(jq '.relay.pinnedHits // 0' <<<"$report")" \
    "dedup=$(jq '.relay.deduplicatedPages // 0' <<<"$report") whole=$(jq '.relay.fullPages // 0' <<<"$report")" \
    "disk_stream=$(jq '.disk.streamBytes // 0' <<<"$report") disk_wire=$(jq '.disk.wireBytes // 0' <<<"$report")" \
    "disk_dedup=$(jq '.disk.deduplicatedPages // 0' <<<"$report") load=$(cut -d' ' -f1 /proc/loadavg)"
}

resident_run() { # run-number
  create 1 vm-1 "$size"
  api 1 POST api/vms/vm-1/memtest '{"mib": 32, "pagesPerSecond": 10}' >/dev/null
  sleep 2
  local before after start end report wrong
  before=$(wan_bytes) start=$(now)
  report=$(migrate vm-1 "$size")
  end=$(now) after=$(wan_bytes)
  wrong=$(api 2 GET api/vms/vm-1/memtest | jq '"\(.wrong) of \(.checked)"')
  echo "$(measured "resident $1" "$report" "$before" "$after" "$start" "$end") wrong=${wrong//[\" ]/_}"
  api 2 DELETE api/vms/vm-1 >/dev/null
}

disk_run() { # run-number
  create 1 vm-d 256 "$disk"
  dd if="$work/files" of="/tmp/roost/$name1/vm-d.disk" conv=notrunc,sparse bs=1M status=none
  local before after start end report wrong same
  local source_hash
  source_hash=$(sha256sum "/tmp/roost/$name1/vm-d.disk" | cut -d' ' -f1)
  before=$(wan_bytes) start=$(now)
  report=$(migrate vm-d 256 "$disk")
  end=$(now) after=$(wan_bytes)
  same=no
  [ "$(sha256sum "/tmp/roost/$name2/vm-d.disk" | cut -d' ' -f1)" = "$source_hash" ] && same=yes
  echo "$(measured "disk $1" "$report" "$before" "$after" "$start" "$end") disk_identical=$same"
  api 2 DELETE api/vms/vm-d >/dev/null
}

# FILES MiB of real files (a tar of the host's shared libraries), written over the disk's start before each run.
(tar -cf - -C /usr/lib x86_64-linux-gnu 2>/dev/null || true) | head -c $((files * 1048576)) > "$work/files"
$roost lab wan up --name "$lab" --sites 2 --bandwidth "$rate" --rtt "$rtt" | head -1
$roost lab wan measure --name "$lab" --seconds 3 --pings 10 | head -2
start_agent 1 "$name1"
start_agent 2 "$name2" --migration-pins residents
if grep -qw resident <<<"$parts"; then
  create 2 resident "$size"
fi

for i in $(seq "$runs"); do
  for part in $parts; do
    "${part}_run" "$i" | tee -a "$work/results"
  done
done

echo "median of $runs; link $rate rtt $rtt (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for part in $parts; do
  line="$part:"
  for f in wan_bytes wall_ms total_ms qemu_ms downtime_ms handover_ms relay_wire pinned dedup disk_stream disk_wire; do
    line+=" $f=$(grep "^$part " "$work/results" | { grep -o " $f=[-0-9]*" || true; } | cut -d= -f2 | median)"
  done
  echo "$line"
done

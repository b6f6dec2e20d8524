#!/usr/bin/env bash
# CloudNet relay faults on real QEMU across the WAN lab (docs/experiments/cloudnet.md, "Faults"): a guest writing
# memory in site 1 migrates through both relay ends to site 2, and mid-stream one thing goes wrong. Afterwards the
# source QEMU's migration must have failed, the guest must run on the source with every page of its verifier right,
# and nothing of the migration may be left running at the destination (relay and incoming QEMU exited on their own).
# Needs root, qemu-system-x86 10.x, socat, bc and a built image (./roost image build).
# Usage: docs/experiments/cloudnet-faults.sh [faults="kill-source kill-destination corrupt forge cut"]
#        env: SIZE=256 (MiB) RATE RTT WORKLOAD="32 1500" ROOST=./roost AFTER=20000000 (QEMU bytes before the fault)
set -euo pipefail
cd "$(dirname "$0")/../.."
faults=${1:-"kill-source kill-destination corrupt forge cut"}
SIZE=${SIZE:-256}
after=${AFTER:-20000000}
# shellcheck source=cloudnet-lib.sh
source docs/experiments/cloudnet-lib.sh

gone_within() { # pid seconds: true when the process ends within that time (it is not ours to wait for: poll)
  local i
  for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

fault_run() { # fault (in a subshell of its own: whatever it started stops with it)
  local fault=$1
  trap 'ip -n "roost-$lab-wan" link set s1 up 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -f /dev/shm/roost-cn-"$lab"-*' EXIT
  rm -f "$work"/src* "$work"/dst* "$work"/relay-* "$work"/tamper.out
  start_qemu src0 "$s1"
  until grep -q '"seq"' "$work/src0.rep.out" 2>/dev/null; do sleep 0.05; done
  ask src0.rep "memtest start $workload" '"ack"' >/dev/null
  start_qemu dst0 "$s2" -incoming defer
  local dst_qemu
  dst_qemu=$(pgrep -f "mem-path=/dev/shm/roost-cn-$lab-dst0," | head -1)
  for vm in src0 dst0; do qmp "$vm" migrate-set-capabilities '{"capabilities": [{"capability": "events", "state": true}]}' >/dev/null; done
  qmp dst0 migrate-incoming '{"uri": "tcp:127.0.0.1:47001"}' >/dev/null
  head -c 32 /dev/urandom > "$work/relay-secret"
  chmod 600 "$work/relay-secret"
  ip netns exec "$s2" $roost relay destination --listen "$a2" --secret-file "$work/relay-secret" --qemu 127.0.0.1:47001 > "$work/relay-dst.out" 2>&1 &
  local dst_relay=$!
  until grep -qs '^listening' "$work/relay-dst.out"; do sleep 0.05; done
  local to
  to=$(sed -n 's/^listening //p' "$work/relay-dst.out")
  if [ "$fault" = corrupt ] || [ "$fault" = forge ]; then
    ip netns exec "$s1" $roost relay tamper --listen 127.0.0.1 --to "$to" --secret-file "$work/relay-secret" --fault "$fault" --after-bytes "$((after / 4))" > "$work/tamper.out" 2>&1 &
    until grep -qs '^listening' "$work/tamper.out"; do sleep 0.05; done
    to=$(sed -n 's/^listening //p' "$work/tamper.out")
  fi
  # shellcheck disable=SC2086
  ip netns exec "$s1" $roost relay source --to "$to" --secret-file "$work/relay-secret" --qmp "$work/src0.relay.sock" $relay_options > "$work/relay-src.out" 2>&1 &
  local src_relay=$!
  until grep -qs '^listening' "$work/relay-src.out"; do sleep 0.05; done
  sleep 2 # the verifier writes for a while before the migration starts
  qmp src0 migrate "{\"uri\": \"$(sed -n 's/^listening //p' "$work/relay-src.out")\"}" >/dev/null
  local info
  until info=$(qmp src0 query-migrate); [ "$(field transferred <<<"$info")" -ge "$after" ] 2>/dev/null || grep -q '"status": "\(completed\|failed\)"' <<<"$info"; do sleep 0.05; done
  local t0
  t0=$(now)
  case $fault in
    kill-source) kill -KILL "$src_relay" ;;
    kill-destination) kill -KILL "$dst_relay" ;;
    cut) ip -n "roost-$lab-wan" link set s1 down ;; # the site's link, both ways, without a word to either end
    corrupt | forge) ;; # the tamper spoils a frame by itself
    *) echo "cloudnet-faults.sh: unknown fault '$fault'" >&2; exit 2 ;;
  esac
  until info=$(qmp src0 query-migrate); grep -q '"status": "\(completed\|failed\|cancelled\)"' <<<"$info"; do sleep 0.1; done
  local failed_ms status
  failed_ms=$(ms "$t0" "$(now)")
  case $fault in corrupt | forge) failed_ms="-" ;; esac # the tamper picks its moment; the script only sees the result
  status=$(grep -o '"status": "[a-z-]*"' <<<"$info" | tail -1 | cut -d'"' -f4)
  local dst_gone=no relay_dst_gone=no relay_src_gone=no
  gone_within "$src_relay" 90 && relay_src_gone=yes
  gone_within "$dst_relay" 90 && relay_dst_gone=yes
  gone_within "$dst_qemu" 90 && dst_gone=yes
  local gone_ms running check
  gone_ms=$(ms "$t0" "$(now)")
  running=$(qmp src0 query-status | grep -o '"status": "[a-z-]*"' | cut -d'"' -f4)
  check=$(ask src0.rep "memtest check" '"ack"')
  echo "$fault migration=$status after_fault_ms=$failed_ms source_vm=$running wrong=$(field wrong <<<"${check//:/: }") checked=$(field checked <<<"${check//:/: }") dst_qemu_exited=$dst_gone dst_relay_exited=$relay_dst_gone src_relay_exited=$relay_src_gone all_gone_ms=$gone_ms load=$(cut -d' ' -f1 /proc/loadavg)"
  echo "  source relay: $(grep -o '"failure":"[^"]*"' "$work/relay-src.out" || tail -1 "$work/relay-src.out")"
  echo "  destination relay: $(grep -o '"failure":"[^"]*"' "$work/relay-dst.out" || tail -1 "$work/relay-dst.out")"
  if [ -s "$work/tamper.out" ]; then echo "  $(grep '^tamper' "$work/tamper.out" || echo 'tamper: nothing spoiled')"; fi
  local sockets
  sockets=$(sed -n 's/^listening unix:\(.*\)\/relay-0.sock$/\1/p' "$work/relay-src.out")
  if [ -d "$sockets" ]; then # a relay killed with SIGKILL cannot remove its own socket directory (source side)
    echo "  left at the source: $sockets (removed now)"
    rm -rf "$sockets"
  fi
}

$roost lab wan up --name "$lab" --bandwidth "$rate" --rtt "$rtt" | head -1
for fault in $faults; do
  if (fault_run "$fault") 2>"$work/stderr-$fault"; then
    echo "  QEMU said: $(grep '^qemu-system' "$work/stderr-$fault" | grep -v 'terminating on signal' | tr '\n' ' ')"
  else
    echo "$fault: the run failed:"
    tail -5 "$work/stderr-$fault"
  fi
done

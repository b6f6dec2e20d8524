#!/usr/bin/env bash
# CloudNet disk + memory over the WAN lab (docs/experiments/cloudnet.md, "Disk"): a guest with a 1 GiB disk (part of
# it holding a few hundred MiB of real files, the rest never written) in site 1 moves to site 2, disk and memory, with
# the disk mirrored to an NBD export at the destination (blockdev-mirror sync=full copy-mode=write-blocking), the
# memory migrated once the mirror is ready, and the mirror ended (block-job-cancel) once the memory moved:
#   qemu:  the NBD connection and the migration stream straight over the WAN (QEMU alone);
#   roost: both through Roost's relays (roost relay nbd-source/nbd-destination, roost relay source/destination).
# Every run checks that the destination's disk file is byte-identical to the source's (cmp).
# Needs root, qemu-system-x86 10.x, socat, bc and a built image (./roost image build).
# Usage: docs/experiments/cloudnet-disk.sh [runs=3] [methods="qemu roost"]
#        env: SIZE=256 (guest MiB) DISK=1024 (MiB) FILES=300 (MiB of files written) RATE=100mbit RTT=40ms ROOST=./roost
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
methods=${2:-"qemu roost"}
SIZE=${SIZE:-256}
disk=${DISK:-1024} files=${FILES:-300}
# shellcheck source=cloudnet-lib.sh
. docs/experiments/cloudnet-lib.sh # settings, a lab of its own, QMP sessions, WAN counters, the guests' command line
must() { local answer; answer=$(qmp "$@"); if grep -q '"error"' <<<"$answer"; then echo "cloudnet-disk.sh: $1 $2: $answer" >&2; exit 1; fi; }
wait_event() { until grep -q "\"event\": \"$2\"" "$work/$1.ev.out" 2>/dev/null; do sleep 0.05; done; }
disk_args() { # disk-file: the disk as Roost's QemuLaunch gives it (virtio-blk on a raw file, -blockdev node disk0)
  echo "-blockdev {\"driver\":\"raw\",\"node-name\":\"disk0\",\"file\":{\"driver\":\"file\",\"filename\":\"$1\"}} -device virtio-blk-pci,drive=disk0,id=disk0-device"
}
relay_field() { grep -o "\"$2\":[0-9]*" "$work/$1" | head -1 | grep -o '[0-9]*$' || true; }

run() { # method run-number
  local method=$1
  trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -f /dev/shm/roost-cn-"$lab"-*' EXIT
  rm -f "$work"/src.* "$work"/dst.* "$work"/relay-* "$work"/*.sock "$work"/*.disk
  cp --sparse=always "$work/template" "$work/src.disk"
  truncate -s "${disk}M" "$work/dst.disk"
  chmod 600 "$work/src.disk" "$work/dst.disk"
  # shellcheck disable=SC2046
  start_qemu src "$s1" $(disk_args "$work/src.disk")
  until grep -q '"seq"' "$work/src.rep.out" 2>/dev/null; do sleep 0.05; done
  # shellcheck disable=SC2046
  start_qemu dst "$s2" $(disk_args "$work/dst.disk") -S -incoming defer # -S: the destination guest waits until the disk is whole (Roost resumes it only then)
  local ram_listen="tcp:$a2:47001" ram_target="tcp:$a2:47001" nbd_server nbd_target
  case $method in
    qemu)
      nbd_server="{\"type\": \"inet\", \"data\": {\"host\": \"$a2\", \"port\": \"10809\"}}"
      nbd_target="{\"type\": \"inet\", \"host\": \"$a2\", \"port\": \"10809\"}" ;;
    roost)
      ram_listen="tcp:127.0.0.1:47001"
      nbd_server="{\"type\": \"unix\", \"data\": {\"path\": \"$work/export.sock\"}}"
      head -c 32 /dev/urandom > "$work/relay-secret"
      chmod 600 "$work/relay-secret" ;;
    *) echo "cloudnet-disk.sh: unknown method '$method'" >&2; exit 2 ;;
  esac
  must dst migrate-incoming "{\"uri\": \"$ram_listen\"}"
  must dst nbd-server-start "{\"addr\": $nbd_server}"
  must dst block-export-add '{"type": "nbd", "id": "roost-disk", "node-name": "disk0", "name": "roost-disk", "writable": true}'
  if [ "$method" = roost ]; then
    ip netns exec "$s2" $roost relay nbd-destination --listen "$a2" --secret-file "$work/relay-secret" --export "$work/export.sock" > "$work/relay-nbd-dst.out" 2>&1 &
    ip netns exec "$s2" $roost relay destination --listen "$a2" --secret-file "$work/relay-secret" --qemu 127.0.0.1:47001 > "$work/relay-dst.out" 2>&1 &
    until grep -qs '^listening' "$work/relay-nbd-dst.out" && grep -qs '^listening' "$work/relay-dst.out"; do sleep 0.05; done
    ip netns exec "$s1" $roost relay nbd-source --to "$(sed -n 's/^listening //p' "$work/relay-nbd-dst.out")" --secret-file "$work/relay-secret" > "$work/relay-nbd-src.out" 2>&1 &
    ip netns exec "$s1" $roost relay source --to "$(sed -n 's/^listening //p' "$work/relay-dst.out")" --secret-file "$work/relay-secret" > "$work/relay-src.out" 2>&1 &
    until grep -qs '^listening' "$work/relay-nbd-src.out" && grep -qs '^listening' "$work/relay-src.out"; do sleep 0.05; done
    nbd_target="{\"type\": \"unix\", \"path\": \"$(sed -n 's/^listening unix://p' "$work/relay-nbd-src.out")\"}"
    ram_target="$(sed -n 's/^listening //p' "$work/relay-src.out")"
  fi
  local wan0 t0 ready info
  wan0=$(wan_bytes)
  t0=$(now)
  must src blockdev-add "{\"driver\": \"nbd\", \"node-name\": \"target\", \"server\": $nbd_target, \"export\": \"roost-disk\"}"
  must src blockdev-mirror '{"job-id": "mirror", "device": "disk0", "target": "target", "sync": "full", "copy-mode": "write-blocking"}'
  wait_event src BLOCK_JOB_READY
  ready=$(now)
  must src migrate "{\"uri\": \"$ram_target\"}"
  while info=$(qmp src query-migrate); ! grep -q '"status": "\(completed\|failed\|cancelled\)"' <<<"$info"; do sleep 0.1; done
  must src block-job-cancel '{"device": "mirror"}'
  wait_event src BLOCK_JOB_COMPLETED
  must src blockdev-del '{"node-name": "target"}'
  if [ "$method" = roost ]; then wait %?"relay nbd-source" 2>/dev/null || true; fi
  must dst nbd-server-stop
  local done_at wan1 same=no
  done_at=$(now)
  wan1=$(wan_bytes)
  cmp -s "$work/src.disk" "$work/dst.disk" && same=yes
  local relay_wire=""
  if [ "$method" = roost ]; then
    wait %?"relay source" 2>/dev/null || true
    relay_wire=" nbd_stream=$(relay_field relay-nbd-src.out streamBytes) nbd_wire=$(relay_field relay-nbd-src.out wireBytes) ram_wire=$(relay_field relay-src.out wireBytes)"
  fi
  echo "$method $2 total_ms=$(ms "$t0" "$done_at") mirror_ready_ms=$(ms "$t0" "$ready") wan_bytes=$(( ${wan1% *} - ${wan0% *} )) wan_reverse_bytes=$(( ${wan1#* } - ${wan0#* } )) ram_status=$(grep -o '"status": "[a-z-]*"' <<<"$info" | tail -1 | cut -d'"' -f4) identical=$same$relay_wire load=$(cut -d' ' -f1 /proc/loadavg)"
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f /dev/shm/roost-cn-"$lab"-*
}

# The disk: FILES MiB of real files (a tar of the host's shared libraries: compressible, some content repeated),
# then nothing (sparse, reads as zeros) up to DISK MiB.
truncate -s "${disk}M" "$work/template"
(tar -cf - -C /usr/lib x86_64-linux-gnu 2>/dev/null || true) | head -c $((files * 1048576)) | dd of="$work/template" conv=notrunc,sparse bs=1M status=none
$roost lab wan up --name "$lab" --bandwidth "$rate" --rtt "$rtt" | head -1
$roost lab wan measure --name "$lab" --seconds 3 --pings 10 | head -2
for i in $(seq "$runs"); do
  for method in $methods; do
    (run "$method" "$i") | tee -a "$work/results"
  done
done

echo "median of $runs; ${size} MiB guest, ${disk} MiB disk with ${files} MiB of files, link $rate rtt $rtt (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for method in $methods; do
  line="$method:"
  for f in total_ms mirror_ready_ms wan_bytes wan_reverse_bytes nbd_stream nbd_wire ram_wire; do
    line+=" $f=$(grep "^$method " "$work/results" | { grep -o " $f=[-0-9]*" || true; } | cut -d= -f2 | median)"
  done
  echo "$line"
done

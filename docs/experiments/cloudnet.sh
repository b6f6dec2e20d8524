#!/usr/bin/env bash
# CloudNet over the WAN lab (docs/experiments/cloudnet.md): a guest in site 1 migrates to site 2 across a shaped,
# delayed link, once per method and run, interleaved: QEMU's own options straight over the WAN, and Roost's relay
# (dedup + XOR deltas + zstd + smart stop) at both ends. Every run checks every page of the guest's verifier after
# the migration ("wrong" must be 0). Needs root, qemu-system-x86 10.x, socat, bc and a built image (./roost image build).
# Usage: docs/experiments/cloudnet.sh [runs=3] [methods="plain xbzrle multifd-zstd auto-converge postcopy roost"]
#        methods also: roost-lz4 (LZ4 frames), roost-nostop (no smart stop), roost-bare (relay only: no dedup, delta,
#        compression or smart stop), roost-buf (the link socket's send buffer bounded to 1 MiB)
#        roost-image (the destination offers the pages of the guest image's kernel and initrd, which its incoming
#        QEMU boots from), roost-resident (an idle guest of the same image runs at the destination; its RAM is offered)
#        env: SIZE=512 (MiB) RATE=100mbit RTT=40ms WORKLOAD="32 1500" (verifier MiB and pages/s; "32 0" = idle)
#             GANG=1 (guests migrated together: QEMU methods run GANG migrations at once, Roost one relay pair with
#             GANG channels sharing one content cache; bytes and pages summed, downtime the longest, total until the last)
#             ROOST=./roost ROOST_RELAY="--level 1" (extra options for every relay source)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
methods=${2:-"plain xbzrle multifd-zstd auto-converge postcopy roost"}
# shellcheck source=cloudnet-lib.sh
source docs/experiments/cloudnet-lib.sh

run() { # method run-number (in a subshell of its own: whatever it started stops with it, even when a step fails)
  local method=$1 g vms=""
  trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -f /dev/shm/roost-cn-"$lab"-*' EXIT
  rm -f "$work"/src* "$work"/dst* "$work"/res.* "$work"/relay-*
  for g in $(seq 0 $((gang - 1))); do vms+=" $g"; done
  for g in $vms; do start_qemu "src$g" "$s1"; done
  for g in $vms; do
    until grep -q '"seq"' "$work/src$g.rep.out" 2>/dev/null; do sleep 0.05; done
    ask "src$g.rep" "memtest start $workload" '"ack"' >/dev/null
  done
  for g in $vms; do start_qemu "dst$g" "$s2" -incoming defer; done
  for g in $vms; do for vm in "src$g" "dst$g"; do qmp "$vm" migrate-set-capabilities '{"capabilities": [{"capability": "events", "state": true}]}' >/dev/null; done; done
  local method_options="" pins=""
  for g in $vms; do
    case $method in
      plain) ;;
      xbzrle)
        qmp "src$g" migrate-set-capabilities '{"capabilities": [{"capability": "xbzrle", "state": true}]}' >/dev/null
        qmp "src$g" migrate-set-parameters "{\"xbzrle-cache-size\": $((size / 4 * 1048576))}" >/dev/null ;;
      multifd-zstd)
        for vm in "src$g" "dst$g"; do
          qmp "$vm" migrate-set-capabilities '{"capabilities": [{"capability": "multifd", "state": true}]}' >/dev/null
          qmp "$vm" migrate-set-parameters '{"multifd-channels": 2, "multifd-compression": "zstd"}' >/dev/null
        done ;;
      auto-converge)
        qmp "src$g" migrate-set-capabilities '{"capabilities": [{"capability": "auto-converge", "state": true}]}' >/dev/null ;;
      postcopy)
        for vm in "src$g" "dst$g"; do qmp "$vm" migrate-set-capabilities '{"capabilities": [{"capability": "postcopy-ram", "state": true}]}' >/dev/null; done ;;
      roost*) ;;
      *) echo "cloudnet.sh: unknown method '$method'" >&2; exit 2 ;;
    esac
  done
  if [ "${method%%-*}" = roost ]; then
    case $method in
      roost) method_options="" ;;
      roost-lz4) method_options="--compression lz4" ;;
      roost-nostop) method_options="--smart-stop off" ;;
      roost-buf) method_options="--send-buffer-kib 1024" ;; # about 2 x bandwidth x RTT of 100 Mbit/s x 40 ms
      roost-bare) method_options="--dedup off --delta off --compression none --smart-stop off" ;;
      roost-image) pins="--pin $image/kernel --pin $image/initrd.cpio" ;; # the files the incoming QEMU boots from are here anyway
      roost-resident) # an idle guest of the same image runs at the destination; its RAM is offered
        start_qemu res "$s2"
        until grep -q '"seq"' "$work/res.rep.out" 2>/dev/null; do sleep 0.05; done
        pins="--pin /dev/shm/roost-cn-$lab-res" ;;
      *) echo "cloudnet.sh: unknown method '$method'" >&2; exit 2 ;;
    esac
    head -c 32 /dev/urandom > "$work/relay-secret"
    chmod 600 "$work/relay-secret"
  fi
  local qemus="" qmp_option="--qmp $work/src0.relay.sock"
  [ "$gang" -gt 1 ] && qmp_option="" # the smart stop follows one QEMU; a gang runs without it
  for g in $vms; do
    if [ "${method%%-*}" = roost ]; then
      qmp "dst$g" migrate-incoming "{\"uri\": \"tcp:127.0.0.1:$((47001 + g))\"}" >/dev/null
      qemus+=" --qemu 127.0.0.1:$((47001 + g))"
    else
      qmp "dst$g" migrate-incoming "{\"uri\": \"tcp:$a2:$((47001 + g))\"}" >/dev/null
    fi
  done
  local targets=()
  if [ "${method%%-*}" = roost ]; then
    # shellcheck disable=SC2086
    ip netns exec "$s2" $roost relay destination --listen "$a2" --secret-file "$work/relay-secret" $qemus $pins > "$work/relay-dst.out" 2>&1 &
    until grep -qs '^listening' "$work/relay-dst.out"; do sleep 0.05; done
    # shellcheck disable=SC2086
    ip netns exec "$s1" $roost relay source --to "$(sed -n 's/^listening //p' "$work/relay-dst.out")" --secret-file "$work/relay-secret" \
      --channels "$gang" $qmp_option $method_options $relay_options > "$work/relay-src.out" 2>&1 &
    until grep -qs '^listening' "$work/relay-src.out"; do sleep 0.05; done
    IFS=, read -r -a targets <<<"$(sed -n 's/^listening //p' "$work/relay-src.out")"
  else
    for g in $vms; do targets+=("tcp:$a2:$((47001 + g))"); done
  fi
  sleep 2 # the verifier writes for a while before the migration starts
  local wan0 t0 info postcopy_started=
  wan0=$(wan_bytes)
  t0=$(now)
  for g in $vms; do qmp "src$g" migrate "{\"uri\": \"${targets[$g]}\"}" >/dev/null; done
  for g in $vms; do
    while info=$(qmp "src$g" query-migrate); ! grep -q '"status": "\(completed\|failed\|cancelled\)"' <<<"$info"; do
      if [ "$method" = postcopy ] && [ -z "$postcopy_started" ] && [ "$(field dirty-sync-count <<<"$info")" -ge 2 ] 2>/dev/null; then
        qmp "src$g" migrate-start-postcopy >/dev/null
        postcopy_started=1
      fi
      sleep 0.1
    done
    postcopy_started=
    echo "$info" > "$work/src$g.final"
  done
  for g in $vms; do until [ -n "$(event_time "dst$g.ev.out" MIGRATION '"completed"\|"failed"')" ]; do sleep 0.05; done; done
  local wan1 stop resume done_at last_done=$t0 downtime=0 wrong=0 checked=0 check d
  wan1=$(wan_bytes)
  for g in $vms; do
    stop=$(event_time "src$g.ev.out" STOP)
    resume=$(event_time "dst$g.ev.out" RESUME)
    done_at=$(event_time "dst$g.ev.out" MIGRATION '"completed"')
    if [ -n "$done_at" ] && [ -n "$resume" ]; then
      check=$(ask "dst$g.rep" "memtest check" '"ack"')
      [ "$(echo "$done_at > $last_done" | bc)" = 1 ] && last_done=$done_at
      d=$(ms "${stop:-0}" "${resume:-0}")
      [ "$d" -gt "$downtime" ] && downtime=$d
    else
      check=""
      last_done=$t0
    fi
    d=$(field wrong <<<"${check//:/: }")
    if [ -z "$d" ] || [ "$wrong" = -1 ]; then wrong=-1; else wrong=$((wrong + d)); fi # -1: a guest did not arrive
    checked=$((checked + $(field checked <<<"${check//:/: }" | grep . || echo 0)))
  done
  local relay_wire=""
  if [ "${method%%-*}" = roost ]; then
    wait %?"relay source" 2>/dev/null || true
    wait %?"relay destination" 2>/dev/null || true
    relay_wire=" relay_wire=$(grep -o '"wireBytes":[0-9]*' "$work/relay-src.out" | grep -o '[0-9]*$' || true) stopped_at_pass=$(grep -o '"stoppedAtPass":[0-9a-z]*' "$work/relay-src.out" | cut -d: -f2 || true)"
    for f in fullPages fullBytes zeroPages deduplicatedPages pinnedHits deltaPages deltaBytes structureBytes payloadBytes; do
      relay_wire+=" $f=$(grep -o "\"$f\":[0-9]*" "$work/relay-src.out" | grep -o '[0-9]*$' || true)"
    done
  fi
  info=$(cat "$work/src0.final")
  echo "$method $2 total_ms=$(ms "$t0" "$last_done") downtime_ms=$downtime qemu_total_ms=$(field total-time <<<"$info") qemu_downtime_ms=$(field downtime <<<"$info") passes=$(field dirty-sync-count <<<"$info") qemu_bytes=$(for g in $vms; do field transferred < "$work/src$g.final"; done | paste -sd+ | bc) wan_bytes=$(( ${wan1% *} - ${wan0% *} )) wan_reverse_bytes=$(( ${wan1#* } - ${wan0#* } )) wrong=$wrong checked=$checked$relay_wire load=$(cut -d' ' -f1 /proc/loadavg) status=$(grep -o '"status": "[a-z-]*"' <<<"$info" | tail -1 | cut -d'"' -f4)"
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f /dev/shm/roost-cn-"$lab"-*
}

$roost lab wan up --name "$lab" --bandwidth "$rate" --rtt "$rtt" | head -1
$roost lab wan measure --name "$lab" --seconds 3 --pings 10 | head -2
for i in $(seq "$runs"); do
  for method in $methods; do
    run "$method" "$i" | tee -a "$work/results"
  done
done

echo "median of $runs; $gang x ${size} MiB guest, verifier '$workload', link $rate rtt $rtt (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for method in $methods; do
  line="$method:"
  for f in total_ms downtime_ms qemu_total_ms qemu_downtime_ms passes qemu_bytes wan_bytes wan_reverse_bytes wrong checked relay_wire fullPages deduplicatedPages pinnedHits load; do
    line+=" $f=$(grep "^$method " "$work/results" | grep -o " $f=[-0-9.]*" | cut -d= -f2 | median || true)"
  done
  echo "$line"
done

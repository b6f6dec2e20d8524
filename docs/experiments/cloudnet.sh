#!/usr/bin/env bash
# CloudNet over the WAN lab (docs/experiments/cloudnet.md): a guest in site 1 migrates to site 2 across a shaped,
# delayed link, once per method and run, interleaved: QEMU's own options straight over the WAN, and Roost's relay
# (dedup + XOR deltas + zstd + smart stop) at both ends. Every run checks every page of the guest's verifier after
# the migration ("wrong" must be 0). Needs root, qemu-system-x86 10.x, socat, bc and a built image (./roost image build).
# Usage: docs/experiments/cloudnet.sh [runs=3] [methods="plain xbzrle multifd-zstd auto-converge postcopy roost"]
#        methods also: roost-lz4 (LZ4 frames), roost-nostop (no smart stop), roost-bare (relay only: no dedup, delta,
#        compression or smart stop), roost-buf (the link socket's send buffer bounded to 1 MiB)
#        env: SIZE=512 (MiB) RATE=100mbit RTT=40ms WORKLOAD="32 1500" (verifier MiB and pages/s; "32 0" = idle)
#             ROOST=./roost ROOST_RELAY="--level 1" (extra options for every relay source)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
methods=${2:-"plain xbzrle multifd-zstd auto-converge postcopy roost"}
size=${SIZE:-512} rate=${RATE:-100mbit} rtt=${RTT:-40ms} workload=${WORKLOAD:-"32 1500"}
roost=${ROOST:-./roost}
relay_options=${ROOST_RELAY:-}
image=$(ls -td ~/.cache/roost/images/minimal-*/ | head -1)
lab="cn$$" lab=${lab:0:10}
s1="roost-$lab-s1" s2="roost-$lab-s2" a2=10.77.2.1
work=$(mktemp -d /tmp/roost-cloudnet.XXXXXX)
chmod 700 "$work"
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  $roost lab wan down --name "$lab" >/dev/null 2>&1 || true
  rm -rf "$work" /dev/shm/roost-cn-"$lab"-*
}
trap cleanup EXIT
now() { date +%s.%N; }
ms() { echo "($2 - $1) * 1000" | bc | cut -d. -f1; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { grep -o "\"$1\": *[0-9]*" | tail -1 | grep -o '[0-9]*$' || true; }
session() { # name socket: a persistent connection; lines appended to $work/name.in are sent, what comes back lands in $work/name.out
  : > "$work/$1.in"
  tail -f "$work/$1.in" | socat - "UNIX-CONNECT:$2" >> "$work/$1.out" &
}
ask() { # name line grep: send a line on a session and wait for a new answer line matching grep; print it
  local before
  before=$(grep -c -- "$3" "$work/$1.out" 2>/dev/null || true)
  echo "$2" >> "$work/$1.in"
  until [ "$(grep -c -- "$3" "$work/$1.out" 2>/dev/null || true)" -gt "${before:-0}" ]; do sleep 0.05; done
  grep -- "$3" "$work/$1.out" | tail -1
}
qmp() { # vm command [arguments-json]: one QMP command on the vm's control session; prints the answer
  ask "$1.qmp" "{\"execute\": \"$2\"${3:+, \"arguments\": $3}}" '"return"\|"error"'
}
event_time() { # file event [data-grep]: the host time of the first such QMP event, seconds.micro
  local line
  line=$(grep "\"event\": \"$2\"" "$work/$1" | grep -- "${3:-.}" | head -1) || return 0
  [ -n "$line" ] && printf '%s.%06d\n' "$(field seconds <<<"$line")" "$(field microseconds <<<"$line")"
}
wan_bytes() { # the bytes that entered this lab's WAN from site 1 and from site 2 so far
  local status
  status=$($roost lab wan status | awk -v lab="$lab:" '$1 == lab {mine = 1; next} /^[^ ]/ {mine = 0} mine')
  echo "$(grep -o ' s1: in [0-9]* frames ([0-9]* B' <<<"$status" | grep -o '[0-9]* B' | grep -o '[0-9]*') $(grep -o ' s2: in [0-9]* frames ([0-9]* B' <<<"$status" | grep -o '[0-9]* B' | grep -o '[0-9]*')"
}
start_qemu() { # vm namespace [extra args…]
  local vm=$1 ns=$2
  shift 2
  ip netns exec "$ns" qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot -accel tcg,tb-size=256 \
    -machine pc,memory-backend=ram -object "memory-backend-file,id=ram,size=${size}M,mem-path=/dev/shm/roost-cn-$lab-$vm,share=on" \
    -m "${size}M" -smp 1 -kernel "$image/kernel" -initrd "$image/initrd.cpio" -append "console=ttyS0 quiet panic=-1 no_timer_check" \
    -chardev "socket,id=qmp,path=$work/$vm.qmp.sock,server=on,wait=off" -mon chardev=qmp,mode=control \
    -chardev "socket,id=ev,path=$work/$vm.ev.sock,server=on,wait=off" -mon chardev=ev,mode=control \
    -chardev "socket,id=relay,path=$work/$vm.relay.sock,server=on,wait=off" -mon chardev=relay,mode=control \
    -chardev "socket,id=reporter,path=$work/$vm.rep.sock,server=on,wait=off" \
    -serial "file:$work/$vm.console" -serial chardev:reporter "$@" &
  until [ -S "$work/$vm.rep.sock" ] && [ -S "$work/$vm.ev.sock" ]; do sleep 0.05; done
  session "$vm.qmp" "$work/$vm.qmp.sock"
  session "$vm.ev" "$work/$vm.ev.sock"
  session "$vm.rep" "$work/$vm.rep.sock"
  qmp "$vm" qmp_capabilities >/dev/null
  ask "$vm.ev" '{"execute": "qmp_capabilities"}' '"return"' >/dev/null
}

run() { # method run-number (in a subshell of its own: whatever it started stops with it, even when a step fails)
  local method=$1
  trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -f /dev/shm/roost-cn-"$lab"-*' EXIT
  rm -f "$work"/src.* "$work"/dst.* "$work"/relay-*
  start_qemu src "$s1"
  until grep -q '"seq"' "$work/src.rep.out" 2>/dev/null; do sleep 0.05; done
  ask src.rep "memtest start $workload" '"ack"' >/dev/null
  start_qemu dst "$s2" -incoming defer
  for vm in src dst; do qmp $vm migrate-set-capabilities '{"capabilities": [{"capability": "events", "state": true}]}' >/dev/null; done
  local listen="tcp:$a2:47001" target="tcp:$a2:47001" method_options=""
  case $method in
    plain) ;;
    xbzrle)
      qmp src migrate-set-capabilities '{"capabilities": [{"capability": "xbzrle", "state": true}]}' >/dev/null
      qmp src migrate-set-parameters "{\"xbzrle-cache-size\": $((size / 4 * 1048576))}" >/dev/null ;;
    multifd-zstd)
      for vm in src dst; do
        qmp $vm migrate-set-capabilities '{"capabilities": [{"capability": "multifd", "state": true}]}' >/dev/null
        qmp $vm migrate-set-parameters '{"multifd-channels": 2, "multifd-compression": "zstd"}' >/dev/null
      done ;;
    auto-converge)
      qmp src migrate-set-capabilities '{"capabilities": [{"capability": "auto-converge", "state": true}]}' >/dev/null ;;
    postcopy)
      for vm in src dst; do qmp $vm migrate-set-capabilities '{"capabilities": [{"capability": "postcopy-ram", "state": true}]}' >/dev/null; done ;;
    roost*)
      case $method in
        roost) method_options="" ;;
        roost-lz4) method_options="--compression lz4" ;;
        roost-nostop) method_options="--smart-stop off" ;;
        roost-buf) method_options="--send-buffer-kib 1024" ;; # about 2 x bandwidth x RTT of 100 Mbit/s x 40 ms
        roost-bare) method_options="--dedup off --delta off --compression none --smart-stop off" ;;
        *) echo "cloudnet.sh: unknown method '$method'" >&2; exit 2 ;;
      esac
      listen="tcp:127.0.0.1:47001"
      head -c 32 /dev/urandom > "$work/relay-secret"
      chmod 600 "$work/relay-secret" ;;
    *) echo "cloudnet.sh: unknown method '$method'" >&2; exit 2 ;;
  esac
  qmp dst migrate-incoming "{\"uri\": \"$listen\"}" >/dev/null
  if [ "${method%%-*}" = roost ]; then
    ip netns exec "$s2" $roost relay destination --listen "$a2" --secret-file "$work/relay-secret" --qemu 127.0.0.1:47001 > "$work/relay-dst.out" 2>&1 &
    until grep -qs '^listening' "$work/relay-dst.out"; do sleep 0.05; done
    # shellcheck disable=SC2086
    ip netns exec "$s1" $roost relay source --to "$(sed -n 's/^listening //p' "$work/relay-dst.out")" --secret-file "$work/relay-secret" \
      --qmp "$work/src.relay.sock" $method_options $relay_options > "$work/relay-src.out" 2>&1 &
    until grep -qs '^listening' "$work/relay-src.out"; do sleep 0.05; done
    target="$(sed -n 's/^listening //p' "$work/relay-src.out")"
  fi
  sleep 2 # the verifier writes for a while before the migration starts
  local wan0 t0 info postcopy_started=
  wan0=$(wan_bytes)
  t0=$(now)
  qmp src migrate "{\"uri\": \"$target\"}" >/dev/null
  while info=$(qmp src query-migrate); ! grep -q '"status": "\(completed\|failed\|cancelled\)"' <<<"$info"; do
    if [ "$method" = postcopy ] && [ -z "$postcopy_started" ] && [ "$(field dirty-sync-count <<<"$info")" -ge 2 ] 2>/dev/null; then
      qmp src migrate-start-postcopy >/dev/null
      postcopy_started=1
    fi
    sleep 0.1
  done
  until [ -n "$(event_time dst.ev.out MIGRATION '"completed"\|"failed"')" ]; do sleep 0.05; done
  local stop resume done_at
  stop=$(event_time src.ev.out STOP)
  resume=$(event_time dst.ev.out RESUME)
  done_at=$(event_time dst.ev.out MIGRATION '"completed"')
  local wan1 check
  wan1=$(wan_bytes)
  if [ -n "$done_at" ] && [ -n "$resume" ]; then
    check=$(ask dst.rep "memtest check" '"ack"')
  else
    check='"wrong": -1'
  fi
  local relay_wire=""
  if [ "${method%%-*}" = roost ]; then
    wait %?"relay source" 2>/dev/null || true
    relay_wire=" relay_wire=$(grep -o '"wireBytes":[0-9]*' "$work/relay-src.out" | grep -o '[0-9]*$' || true) stopped_at_pass=$(grep -o '"stoppedAtPass":[0-9a-z]*' "$work/relay-src.out" | cut -d: -f2 || true)"
  fi
  echo "$method $2 total_ms=$(ms "$t0" "${done_at:-$t0}") downtime_ms=$(ms "${stop:-0}" "${resume:-0}") qemu_total_ms=$(field total-time <<<"$info") qemu_downtime_ms=$(field downtime <<<"$info") passes=$(field dirty-sync-count <<<"$info") qemu_bytes=$(field transferred <<<"$info") wan_bytes=$(( ${wan1% *} - ${wan0% *} )) wan_reverse_bytes=$(( ${wan1#* } - ${wan0#* } )) wrong=$(field wrong <<<"${check//:/: }") checked=$(field checked <<<"${check//:/: }")$relay_wire status=$(grep -o '"status": "[a-z-]*"' <<<"$info" | tail -1 | cut -d'"' -f4)"
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

echo "median of $runs; ${size} MiB guest, verifier '$workload', link $rate rtt $rtt (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for method in $methods; do
  line="$method:"
  for f in total_ms downtime_ms qemu_total_ms qemu_downtime_ms passes qemu_bytes wan_bytes wan_reverse_bytes wrong; do
    line+=" $f=$(grep "^$method " "$work/results" | grep -o " $f=[-0-9]*" | cut -d= -f2 | median)"
  done
  echo "$line"
done

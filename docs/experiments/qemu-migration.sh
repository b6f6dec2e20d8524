#!/usr/bin/env bash
# Boot time and live-migration figures: plain QEMU driven by hand over QMP (socat) versus the same guest through two
# Roost agents. Usage: docs/experiments/qemu-migration.sh [runs=5] [sizes="128 512"]. Prints one line per run and
# the medians. Needs qemu-system-x86, socat, curl, and a built image (./roost image build). In every run the guest's
# memory verifier rewrites 1,500 pages/s of 32 MiB during the migration and checks every page after it ("wrong" must
# be 0; docs/experiments/guest-integrity.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
sizes=${2:-"128 512"}
image=$(ls -td ~/.cache/roost/images/minimal-*/ | head -1)
work=$(mktemp -d /tmp/roost-exp.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work" /dev/shm/roost-exp-*' EXIT
now() { date +%s.%N; }
ms() { echo "($2 - $1) * 1000" | bc | cut -d. -f1; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { grep -o "\"$1\": *[0-9]*" | tail -1 | grep -o '[0-9]*$'; }
reporter() { # name: connect to the guest reporter's socket; lines appended to $work/name.in are sent, replies land in $work/name.rep
  : > "$work/$1.in"
  tail -f "$work/$1.in" | socat - "UNIX-CONNECT:$work/$1.rep.sock" >> "$work/$1.rep" &
}
memtest() { # name command: send a memtest command and print its ack line
  local before
  before=$(grep -c '"ack"' "$work/$1.rep" 2>/dev/null || true)
  echo "memtest $2" >> "$work/$1.in"
  until [ "$(grep -c '"ack"' "$work/$1.rep" 2>/dev/null || true)" -gt "${before:-0}" ]; do sleep 0.05; done
  grep '"ack"' "$work/$1.rep" | tail -1
}
qmp() { # socket command [arguments-json]
  local args=${3:+, \"arguments\": $3}
  { echo '{"execute": "qmp_capabilities"}'; echo "{\"execute\": \"$2\"$args}"; sleep 0.05; } | socat - "UNIX-CONNECT:$1" | tail -1
}
qemu_args() { # name size-MiB: sets the array "args" to the command line Roost uses (QemuLaunch.Arguments)
  args=(-nodefaults -no-user-config -display none -no-reboot -accel tcg,tb-size=256 -machine pc,memory-backend=ram
    -object "memory-backend-file,id=ram,size=$2M,mem-path=/dev/shm/roost-exp-$1,share=on" -m "$2M" -smp 1
    -kernel "$image/kernel" -initrd "$image/initrd.cpio" -append "console=ttyS0 quiet panic=-1 no_timer_check"
    -chardev "socket,id=qmp,path=$work/$1.qmp,server=on,wait=off" -mon chardev=qmp,mode=control
    -chardev "socket,id=reporter,path=$work/$1.rep.sock,server=on,wait=off"
    -serial "file:$work/$1.console" -serial chardev:reporter)
}

plain_run() { # size
  rm -f "$work"/*.rep
  local t0 t1 t2 t3 info
  t0=$(now)
  qemu_args src "$1"
  qemu-system-x86_64 "${args[@]}" & local src=$!
  until [ -S "$work/src.rep.sock" ]; do sleep 0.02; done
  reporter src
  until grep -q '"seq"' "$work/src.rep" 2>/dev/null; do sleep 0.02; done
  t1=$(now)
  memtest src "start 32 1500" >/dev/null
  qemu_args dst "$1"
  qemu-system-x86_64 "${args[@]}" -S -incoming tcp:127.0.0.1:47001 & local dst=$!
  until [ -S "$work/dst.qmp" ]; do sleep 0.02; done
  sleep 0.2
  t2=$(now)
  qmp "$work/src.qmp" migrate '{"uri": "tcp:127.0.0.1:47001"}' >/dev/null
  until info=$(qmp "$work/src.qmp" query-migrate) && grep -q '"completed"' <<<"$info"; do sleep 0.05; done
  t3=$(now)
  qmp "$work/dst.qmp" cont >/dev/null
  reporter dst
  local check
  check=$(memtest dst check)
  echo "plain $1 boot_ms=$(ms "$t0" "$t1") total_ms=$(ms "$t2" "$t3") qemu_total_ms=$(field total-time <<<"$info") downtime_ms=$(field downtime <<<"$info") handover_ms=0 bytes=$(field transferred <<<"$info") wrong=$(field wrong <<<"${check//:/: }") checked=$(field checked <<<"${check//:/: }")"
  kill $src $dst; wait $src $dst 2>/dev/null || true
  kill $(jobs -p) 2>/dev/null || true
  rm -f /dev/shm/roost-exp-* "$work"/src.* "$work"/dst.*
}

roost_run() { # size base1 base2
  local token=experiment
  local create migrate
  create=$(curl -s -w ' %{time_total}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"id\":\"vm\",\"cpus\":1,\"memoryMiB\":$1}" "$2/api/vms")
  curl -s -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"mib":32,"pagesPerSecond":1500}' "$2/api/vms/vm/memtest"
  sleep 1
  local ticket
  ticket=$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"id\":\"vm\",\"cpus\":1,\"memoryMiB\":$1}" "$3/api/incoming/tickets" | sed -n 's/.*"ticket":"\([^"]*\)".*/\1/p')
  migrate=$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"destination\":\"$3/\",\"ticket\":\"$ticket\"}" "$2/api/vms/vm/migrate")
  local check
  check=$(curl -s -H "Authorization: Bearer $token" "$3/api/vms/vm/memtest")
  echo "roost $1 boot_ms=$(echo "${create##* } * 1000" | bc | cut -d. -f1) total_ms=$(field totalMs <<<"${migrate//:/: }") qemu_total_ms=$(field qemuTotalMs <<<"${migrate//:/: }") downtime_ms=$(field downtimeMs <<<"${migrate//:/: }") handover_ms=$(field handoverMs <<<"${migrate//:/: }") bytes=$(field transferredBytes <<<"${migrate//:/: }") wrong=$(field wrong <<<"${check//:/: }") checked=$(field checked <<<"${check//:/: }")"
  curl -s -X DELETE -H "Authorization: Bearer $token" "$3/api/vms/vm" >/dev/null
}

echo experiment > "$work/token"
./roost agent --name exp1 --listen 127.0.0.1:47101 --capacity cpus=4,memory=2048 --token-file "$work/token" --accel tcg >/dev/null &
./roost agent --name exp2 --listen 127.0.0.1:47102 --capacity cpus=4,memory=2048 --token-file "$work/token" --accel tcg >/dev/null &
until curl -s -o /dev/null -H 'Authorization: Bearer experiment' http://127.0.0.1:47101/api/agent && curl -s -o /dev/null -H 'Authorization: Bearer experiment' http://127.0.0.1:47102/api/agent; do sleep 0.2; done

for size in $sizes; do
  for i in $(seq "$runs"); do
    plain_run "$size" | tee -a "$work/results"
    roost_run "$size" http://127.0.0.1:47101 http://127.0.0.1:47102 | tee -a "$work/results"
  done
done

echo "median of $runs (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for who in plain roost; do
  for size in $sizes; do
    line="$who $size MiB:"
    for f in boot_ms total_ms qemu_total_ms downtime_ms handover_ms bytes wrong; do
      line+=" $f=$(grep "^$who $size " "$work/results" | grep -o " $f=[0-9]*" | cut -d= -f2 | median)"
    done
    echo "$line"
  done
done

# Shared by cloudnet.sh and cloudnet-faults.sh (sourced, not run): settings, a lab of its own, QMP and reporter
# sessions, the lab's WAN counters, and the QEMU command line of the guests (the agents' own).
# shellcheck shell=bash
size=${SIZE:-512} rate=${RATE:-100mbit} rtt=${RTT:-40ms} workload=${WORKLOAD:-"32 1500"} gang=${GANG:-1}
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


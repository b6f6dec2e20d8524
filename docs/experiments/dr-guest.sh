#!/usr/bin/env bash
# Disaster recovery with a real guest (docs/experiments/dr.md, issue 17). Site 1 runs 'roost dr protect': a QEMU guest
# whose disk is Roost's NBD server (writes replicated to 'roost dr serve' at site 2 over the WAN lab) and whose NIC
# goes through Roost's egress buffer; the guest runs SQLite on ext4 behind a front end on TCP 7000 (one transaction a
# commit); 'roost dr bench --service' drives it from site 1. Needs root and
# 'roost lab wan up --name drg --sites 2 --bandwidth 100mbit --rtt 40ms' first (DR_LAB=NAME: another lab of the same
# shape, so two experiments can run side by side). Timing runs: 'nice -n -15' this script.
#   docs/experiments/dr-guest.sh bench RUNS SECONDS CLIENTS   throughput and latency; runs interleaved (sync, pipelined,
#                                                             async, then again), the load average beside each
#   docs/experiments/dr-guest.sh crash MODE[,MODE] RUNS [LAG] zero loss: the primary lost at a random moment under load;
#                                                             every acknowledged transaction looked up in the replica the
#                                                             cloud site would boot (exported, not booted: cheap)
#   docs/experiments/dr-guest.sh rto MODE RUNS                the same, then failover: the replica booted at site 2 with
#                                                             the same address; RTO from the kill to its service answering
#   docs/experiments/dr-guest.sh failback RUNS                after a crash and failover, clients commit at site 2 for
#                                                             10 s; then site 1's old disk is brought up to date over the WAN
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
roost="dotnet ${DR_ROOST:-$root/artifacts/bin/Roost.Cli/release}/roost.dll"  # DR_ROOST=DIR: a copy of the build, so a rebuild cannot change it mid-run
lab=${DR_LAB:-drg}
s1=roost-$lab-s1; s2=roost-$lab-s2
guest=10.77.1.5; cloud=10.77.2.1:7411
work=$(mktemp -d /tmp/roost-dr-guest.XXXXXX)    # 0700
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for f in "$work"/p/*.pid "$work"/f/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
  restore_sites
  rm -rf "$work"
}
restore_sites() {
  ip netns exec $s1 ip route replace 10.77.2.0/24 via 10.77.0.2 dev wan0 2>/dev/null || true
  ip -n $s2 link del drf0 2>/dev/null || true
  ip -n $s2 route replace 10.77.1.0/24 via 10.77.0.1 dev wan0 2>/dev/null || true
}
trap cleanup EXIT
head -c 32 /dev/urandom > "$work/key"; chmod 600 "$work/key"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
wait_for() { # FILE TEXT SECONDS
  for _ in $(seq $(( $3 * 10 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}
start_sites() { # MODE LAG: a fresh journal at site 2, a fresh (ext4) disk at site 1, the guest serving
  rm -rf "$work/site" "$work/p" "$work/f"
  ip netns exec $s2 $roost dr serve --listen $cloud --dir "$work/site" --secret-file "$work/key" --vm 1:64 > "$work/serve.log" 2>&1 &
  serve=$!; pids+=($serve)
  wait_for "$work/serve.log" listening 30
  ip netns exec $s1 $roost dr protect --to $cloud --secret-file "$work/key" --mode "$1" --lag "$2" --vm 1:64 --run "$work/p" \
    --address $guest/24 --gateway 10.77.1.1 --bridge br0 > "$work/protect.log" 2>&1 &
  protect=$!; pids+=($protect)
  wait_for "$work/protect.log" "serving at" 400
  sed -n 's/^roost dr protect: //p' "$work/protect.log" | grep 'serving at'
}
load_then_lose_primary() { # MIN SPAN: 8 clients commit (each acknowledgement logged); MIN + SPAN × random seconds after the first, site 1 is lost
  rm -f "$work/acked"
  ip netns exec $s1 $roost dr bench --service $guest:7000 --seconds 600 --clients 8 --acked-log "$work/acked" > "$work/bench.log" 2>&1 &
  bench=$!; pids+=($bench)
  # The random moment is counted from the first acknowledged transaction, so every run is lost under load.
  for _ in $(seq 900); do [ -s "$work/acked" ] && break; sleep 0.1; done
  [ -s "$work/acked" ] || { echo "no transaction was acknowledged within 90 s:" >&2; cat "$work/bench.log" >&2; exit 1; }
  sleep "$(awk -v r="$RANDOM" -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b * r / 32767 }')"
  # The primary site is lost: its link cut, then every process of it SIGKILLed (client, Roost, QEMU).
  t_kill=$(now)
  ip netns exec $s1 ip route replace blackhole 10.77.2.0/24
  kill -9 "$bench" "$protect" "$(cat "$work/p/dr-vm-1.pid")" 2>/dev/null || true
  wait "$bench" "$protect" 2>/dev/null || true
  # Failover on command: the cloud site's manager stops (its journal is what the replica is made from).
  kill -TERM "$serve"; wait "$serve" || true
  t_stopped=$(now)
}
fail_over() { # site 2 takes over the guest's subnet; the replica boots with the same address
  ip -n $s2 route del 10.77.1.0/24 2>/dev/null || true
  ip -n $s2 link add drf0 type bridge; ip -n $s2 addr add 10.77.1.1/24 dev drf0; ip -n $s2 link set drf0 up
  t_failover=$(now)
  ip netns exec $s2 $roost dr failover --dir "$work/site" --vm 1:64 --run "$work/f" --address $guest/24 --gateway 10.77.1.1 --bridge drf0 > "$work/failover.log" 2>&1 &
  failover=$!; pids+=($failover)
  wait_for "$work/failover.log" "serving at" 300
  t_serving=$(now)
}
check_replica() { # prints acknowledged=N rows=N missing=N (the replica the cloud site boots, read without booting it); the export's status
  local status=0
  rm -f "$work/check.img"
  $roost dr export --dir "$work/site" --vm 1:64 --out "$work/check.img" --acked-log "$work/acked" > "$work/check.out" || status=$?
  tail -1 "$work/check.out"
  rm -f "$work/check.img" "$work/check.out"
  return "$status"
}
verdict() { # BOUND CHECK_LINE: sets $result to ok, LOST (more missing than BOUND) or ERROR (the check failed or printed no missing=); LOST and ERROR count as failures
  local missing; missing=$(echo "$2" | sed -n 's/.*missing=\([0-9]*\).*/\1/p')
  if [ -z "$missing" ] || [[ "$2" == *export_exit=* ]]; then result=ERROR
  elif [ "$missing" -gt "$1" ]; then result=LOST
  else result=ok; fi
  [ "$result" = ok ] || failures=$((failures + 1))
}
case "${1:-}" in
  bench)
    runs=${2:-3}; seconds=${3:-20}; clients=${4:-8}
    for run in $(seq "$runs"); do
      for mode in sync pipelined async; do
        start_sites "$mode" 1024 > /dev/null
        echo "mode=$mode run=$run $(ip netns exec $s1 $roost dr bench --service $guest:7000 --seconds "$seconds" --clients "$clients") uptime:$(uptime | sed 's/.*load average://')"
        kill -TERM "$protect"; wait "$protect" || true; tail -1 "$work/protect.log"
        kill -TERM "$serve"; wait "$serve" || true
      done
    done;;
  crash)
    # MODE may be a comma-separated list (pipelined,sync): the modes alternate, one run each per round, so the counts
    # stay balanced whenever the experiment is stopped.
    modes=${2//,/ }; runs=$3; lag=${4:-64}
    failures=0
    for run in $(seq "$runs"); do
      for mode in $modes; do
        bound=0; [ "$mode" = async ] && bound=$lag
        start_sites "$mode" "$lag" > /dev/null
        load_then_lose_primary 3 5
        check=$(check_replica) || check="export_exit=$? $check"
        restore_sites
        verdict "$bound" "$check"   # not in $( ): it counts failures in this shell
        echo "run=$run mode=$mode $check bound=$bound $result load1=$(cut -d' ' -f1 /proc/loadavg) $(date -u +%H:%M:%S)"
      done
    done
    echo "modes=$2 rounds=$runs failures=$failures";;
  rto)
    mode=$2; runs=$3; bound=0; [ "$mode" = async ] && bound=64
    failures=0
    for run in $(seq "$runs"); do
      start_sites "$mode" 64 > /dev/null
      load_then_lose_primary 3 5
      fail_over
      check=$(check_replica) || check="export_exit=$? $check"
      kill -TERM "$failover"; wait "$failover" || true
      restore_sites
      # The breakdown: the manager stopped after the kill; failover's own times (image, export, boot, service); the rest
      # of the failover process's wall time is its start (the .NET runtime) and the route and bridge changes.
      f=$(sed -n 's/.*image ready in \([0-9.]*\) s, replica at write [0-9]* of [0-9]* exported in \([0-9.]*\) s); booted in \([0-9.]*\) s, service answering at \([0-9.]*\) s/\1 \2 \3 \4/p' "$work/failover.log")
      read -r image export boot service <<< "$f"
      verdict "$bound" "$check"
      echo "run=$run mode=$mode rto_s=$(secs "$t_kill" "$t_serving") stop_manager_s=$(secs "$t_kill" "$t_stopped") takeover_s=$(secs "$t_stopped" "$t_failover") process_start_s=$(awk -v w="$(secs "$t_failover" "$t_serving")" -v i="$image" -v e="$export" -v s="$service" 'BEGIN { printf "%.2f", w - i - e - s }') image_s=$image export_s=$export boot_s=$boot service_s=$service $check $result load1=$(cut -d' ' -f1 /proc/loadavg)"
    done
    echo "mode=$mode runs=$runs failures=$failures";;
  failback)
    runs=${2:-3}
    for run in $(seq "$runs"); do
      start_sites pipelined 1024 > /dev/null
      load_then_lose_primary 5 0
      fail_over
      # Clients at the cloud site keep committing to the failed-over guest; then it is stopped for the failback.
      ip netns exec $s2 $roost dr bench --service $guest:7000 --seconds 10 --clients 8 | sed 's/^/at the cloud site: /'
      kill -TERM "$failover"; wait "$failover" || true
      restore_sites
      ip netns exec $s1 $roost dr failback --listen 10.77.1.1:7412 --secret-file "$work/key" --vm 1:64 --image "$work/p/vm-1.img" > "$work/failback.log" 2>&1 &
      receiver=$!; pids+=($receiver)
      sleep 2
      ip netns exec $s2 $roost dr failback --to 10.77.1.1:7412 --secret-file "$work/key" --vm 1:64 --image "$work/f/vm-1.img"
      wait "$receiver"; cat "$work/failback.log"
      cmp "$work/p/vm-1.img" "$work/f/vm-1.img" && echo "run=$run images equal"
    done;;
  *) echo "usage: $0 bench RUNS SECONDS CLIENTS | crash MODE[,MODE] RUNS [LAG] | rto MODE RUNS | failback RUNS" >&2; exit 2;;
esac

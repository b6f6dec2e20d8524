#!/usr/bin/env bash
# The configurations of docs/experiments/guest-integrity.md, one after another (each a guest-integrity.py run).
# Usage: docs/experiments/guest-integrity.sh QEMU7 QEMU10 [FIRMWARE10 [FIRMWARE7]] > results.txt
#   QEMU7/QEMU10: qemu-system-x86_64 binaries of Debian 12 (7.2) and bookworm-backports (10.0); FIRMWARE10: -L
#   directory for a QEMU unpacked outside /usr (dpkg-deb -x of qemu-system-x86/-common/-data and seabios).
set -euo pipefail
cd "$(dirname "$0")"
q7=$1
q10=$2
fw10=${3:+--firmware $3}
fw7=${4:+--firmware $4}
hard="--mib 48 --rate 20000 --migrations 8"
soft="--mib 32 --rate 1500 --migrations 12"
run() { python3 guest-integrity.py "$@" | grep -E '^(RESULT|  *[0-9]+ PANIC|  *[0-9]+ error)' || true; }
# QEMU 7.2 (Debian 12)
run --qemu "$q7" $fw7 $soft
run --qemu "$q7" $fw7 $hard
run --qemu "$q7" $fw7 $hard --backend file-private
run --qemu "$q7" $fw7 $hard --backend memfd
run --qemu "$q7" $fw7 $hard --backend ram
run --qemu "$q7" $fw7 $hard --tcg-thread single
run --qemu "$q7" $fw7 $hard --smp 2 --tcg-thread multi
run --qemu "$q7" $fw7 $hard --downtime-ms 30
run --qemu "$q7" $fw7 $hard --capability xbzrle
run --qemu "$q7" $fw7 $hard --mode postcopy
# QEMU 10.0 (bookworm-backports)
run --qemu "$q10" $fw10 $soft
run --qemu "$q10" $fw10 $hard
run --qemu "$q10" $fw10 $hard --backend ram
run --qemu "$q10" $fw10 $hard --smp 2 --tcg-thread multi
run --qemu "$q10" $fw10 $hard --mode postcopy

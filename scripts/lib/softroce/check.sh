#!/bin/bash
# Smoke test run inside the guest by `scripts/softroce --check`: one PASS/FAIL line
# per step, exit status = number of failed steps (0 = all passed).
set -uo pipefail
dev=${RDMA4J_SOFTROCE_DEVICE:-rxe0} addr=${RDMA4J_SOFTROCE_ADDR:-10.77.0.1}
failed=0 total=0
log=$(mktemp) note=$(mktemp)   # note: a line a step wants shown even when it passes

step() { # step NAME CMD...: run CMD (bounded by the caller), report, keep its output
    local name=$1 t0=$SECONDS; shift
    total=$((total + 1))
    : > "$note"
    if "$@" > "$log" 2>&1; then
        echo "PASS  $name ($((SECONDS - t0)) s)"
        sed 's/^/      /' "$note"
    else
        echo "FAIL  $name ($((SECONDS - t0)) s)"
        sed 's/^/      | /' "$log"
        failed=$((failed + 1))
    fi
}

# Start SERVER_CMD in the background, then run CLIENT_CMD until it connects
# (the server needs a moment to listen); both bounded by `timeout`.
pair() {
    local server=$1 client=$2 spid rc=1
    timeout 60 $server > "$log.server" 2>&1 & spid=$!
    for _ in $(seq 40); do
        if timeout 60 $client; then rc=0; break; fi
        kill -0 $spid 2>/dev/null || break   # server gone: no point retrying
        sleep 0.5
    done
    if ! wait $spid; then echo "server failed:"; cat "$log.server"; rc=1; fi
    return $rc
}

devinfo() { local out; out=$(ibv_devinfo -d "$dev" 2>&1); echo "$out"; [[ $out == *PORT_ACTIVE* ]]; }
pingpong() { pair "ibv_rc_pingpong -d $dev -g 1" "ibv_rc_pingpong -d $dev -g 1 127.0.0.1"; }
rping_pair() { pair "rping -s -a $addr -C 3" "rping -c -a $addr -C 3 -v"; }
write_bw() {
    pair "ib_write_bw -d $dev -x 1 -F" "ib_write_bw -d $dev -x 1 -F $addr" || return 1
    # The client's result line (the server prints the same table first).
    awk '/#bytes/{getline; line=$1 " B messages: " $4 " MB/s average, " $5 " Mpps"} END{print line}' "$log" > "$note"
}
java25() {
    /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -version 2>&1 | tee "$note"
    grep -q 'version "25' "$note"
}

step "ibv_devinfo -d $dev (PORT_ACTIVE)" devinfo
step "ibv_rc_pingpong on $dev (RC send/recv)" pingpong
step "rping on $addr (rdma_cm)" rping_pair
step "ib_write_bw on $dev" write_bw
step "java -version (temurin 25)" java25

echo "softroce check: $((total - failed))/$total steps passed"
rm -f "$log" "$log.server" "$note"
exit $failed

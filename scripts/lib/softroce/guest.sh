#!/bin/bash
# Guest side of scripts/softroce: runs as root inside the guest, chrooted into the
# tmpfs overlay of the host's /. Sets up Soft-RoCE (rxe0 on a veth), then runs the
# command from /run/softroce/argv with stdout -> ttyS0 (host stdout) and
# stderr -> ttyS1 (host stderr), and leaves its exit status in /run/softroce/status.
set -uo pipefail
CTL=/run/softroce
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck source=/dev/null
. $CTL/env   # SOFTROCE_VERBOSE, SOFTROCE_REPO, HOME, extra --env values (written by the host)

log() { [ "$SOFTROCE_VERBOSE" = 1 ] && echo "softroce(guest): [uptime $(cut -d' ' -f1 /proc/uptime)] $*" >&2; return 0; }
fail() {
    echo "softroce(guest): $*" >&2
    echo "$*" > $CTL/error
    exit 1
}
run() { # run a setup step; show its output only if it fails
    local out
    out=$("$@" 2>&1) || fail "'$*' failed: $out"
}

# The ports are ttys: stop them turning \n into \r\n (it would corrupt the output).
stty -F /dev/ttyS0 -opost 2>/dev/null
stty -F /dev/ttyS1 -opost 2>/dev/null
[ "$SOFTROCE_VERBOSE" = 1 ] || dmesg -n 1

log "guest.sh started"
hostname softroce
echo "127.0.1.1 softroce" >> /etc/hosts   # so InetAddress.getLocalHost() resolves

# rxe needs the crc32 shash; without crc32_generic it fails with
# "failed to init crc32 algorithm err:-2".
run modprobe crc32_generic
run modprobe -a rdma_rxe ib_uverbs rdma_ucm veth
log "modules loaded"
# rxe refuses a dummy netdev; a veth works. One rxe device serves both ends of a test.
run ip -batch - <<'EOF2'
link set lo up
link add rdma0 type veth peer name rdma1
addr add 10.77.0.1/24 dev rdma0
link set rdma0 up
link set rdma1 up
EOF2
log "veth up"
run rdma link add rxe0 type rxe netdev rdma0
log "rxe0 added"
for _ in $(seq 300); do   # bounded: 30 s
    info=$(ibv_devinfo -d rxe0 2>&1)
    [[ $info == *PORT_ACTIVE* ]] && break
    sleep 0.1
done
[[ $info == *PORT_ACTIVE* ]] || fail "rxe0 port did not become PORT_ACTIVE: $info"
log "rxe0 is PORT_ACTIVE"

ulimit -l unlimited   # ibv_reg_mr pins memory
export RDMA4J_SOFTROCE=1 RDMA4J_SOFTROCE_DEVICE=rxe0 RDMA4J_SOFTROCE_ADDR=10.77.0.1
export RDMA4J_RESULTS=/mnt/results
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH=$JAVA_HOME/bin:$PATH
export LANG=C.UTF-8 TERM=dumb
# A repo under the host's /tmp is hidden by the guest's own /tmp: use it through /mnt/host-tmp.
case $SOFTROCE_REPO in
    /tmp/*) [ -d "$SOFTROCE_REPO" ] || SOFTROCE_REPO=/mnt/host-tmp/${SOFTROCE_REPO#/tmp/} ;;
esac
cd "$SOFTROCE_REPO" || fail "cannot cd to $SOFTROCE_REPO"

mapfile -d '' -t argv < $CTL/argv
# Pipes, not the ttys themselves, so the command sees what it would see under CI.
mkfifo /run/cmd.out /run/cmd.err
cat /run/cmd.out > /dev/ttyS0 & out_pid=$!
cat /run/cmd.err > /dev/ttyS1 & err_pid=$!
touch $CTL/started   # the host reads its mtime: end of boot
"${argv[@]}" < /dev/null > /run/cmd.out 2> /run/cmd.err
rc=$?
# A background child that still holds the pipes would block the cats: wait 10 s at most.
for _ in $(seq 100); do
    kill -0 $out_pid 2>/dev/null || kill -0 $err_pid 2>/dev/null || break
    sleep 0.1
done
kill $out_pid $err_pid 2>/dev/null
wait 2>/dev/null
echo $rc > $CTL/status

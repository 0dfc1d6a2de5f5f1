#!/usr/bin/env bash
# In the Soft-RoCE guest: rdma4j perf against perftest on rxe0, test by test, interleaved
# (order flips each round), one line per run and a table of medians of per-round ratios.
# $1 = rounds, $2 = the perf tests to run, comma-separated, or "all", $3 = rdma4j perf's --poll mode,
# $4 = JVM options for a second rdma4j run of each test, the "variant" (none when empty),
# $5 = rdma4j perf's -I for every rdma4j run (the provider's default when empty).
# Run through scripts/bench-verbs.
set -uo pipefail
rounds=${1:-1}
only=${2:-all}
poll=${3:-adaptive}
variant=${4:-}
inline=${5:-}
dev=${RDMA4J_SOFTROCE_DEVICE:-rxe0} addr=${RDMA4J_SOFTROCE_ADDR:-10.77.0.1}
gid=$(ibv_devinfo -d "$dev" -v | awk '/GID\[/ && /::ffff:/ { gsub(/[^0-9]/, "", $1); print $1; exit }')
gid=${gid:-1}
out=${RDMA4J_RESULTS:-/tmp}/bench-verbs.txt
: > "$out"
echo "rdma4j perf --poll $poll${inline:+ -I $inline}, $(nproc) vCPUs, $(uname -r)"
[ -z "$variant" ] || echo "variant: rdma4j with $variant"
port=19000
# test | size | iterations | perftest binary | column, one run per line
# (a plain read loop: the guest has no /dev/fd for process substitution)
tests=()
while IFS= read -r line; do
  [[ -z $line || $line == \#* ]] || tests+=("$line")
done < "$(dirname "${BASH_SOURCE[0]}")/perf-tests.txt"
if [ "$only" != all ]; then
  kept=()
  for t in "${tests[@]}"; do
    [[ ",$only," == *",${t%% *},"* ]] && kept+=("$t")
  done
  tests=("${kept[@]}")
fi
[ ${#tests[@]} -gt 0 ] || { echo "bench-guest.sh: no perf runs selected (only: $only)" >&2; exit 2; }
# The data line: the first line whose first field is the message size.
pick() { awk -v s="$1" -v c="$2" '$1 == s && NF >= c { v = $c } END { print v }'; }
# Both run in $(...) subshells: the caller moves $port on (an increment in here would be lost).
run_perftest() { # name size iters bin col
  local size=(-s "$2")
  [ "$4" = ib_atomic_lat ] && size=()   # atomics are 8 bytes; it takes no -s
  timeout 120 "$4" -d "$dev" -x "$gid" "${size[@]}" -n "$3" -F -p $port > /tmp/s.txt 2>&1 &
  local spid=$!; sleep 1
  timeout 120 "$4" -d "$dev" -x "$gid" "${size[@]}" -n "$3" -F -p $port "$addr" > /tmp/c.txt 2>&1
  wait $spid
  pick "$2" "$5" < /tmp/c.txt
}
# rdma4j's run also reports its wall time (the JVM's start, warm-up and JIT wait included) in
# /tmp/rdma4j-secs, and how many of its JVMs crashed in /tmp/rdma4j-crashes.
# Under multi-threaded TCG the guest's JVM now and then dies of a stale translation of code the
# JIT just patched (QEMU 7.2; see scripts/softroce at -accel): such a run says nothing about
# rdma4j, so it runs again, at most twice, and the line counts it. Its hs_err file is kept.
run_rdma4j() { # name size iters bin col [extra JVM options]
  local t0=$SECONDS crashes=0 v= opts="-XX:ErrorFile=/tmp/hs_err_%p.log ${6:-}"
  while :; do
    rm -f /tmp/hs_err_*.log
    # the server's command; the client's adds the address
    local perf=(timeout 300 ./rdma4j perf "$1" --provider verbs --poll "$poll" -d "$dev" -x "$gid" -s "$2" -n "$3" ${inline:+-I "$inline"} -F -p $port)
    RDMA4J_JAVA_OPTS=$opts "${perf[@]}" > /tmp/s.txt 2>&1 &
    local spid=$!; sleep 3
    RDMA4J_JAVA_OPTS=$opts "${perf[@]}" "$addr" > /tmp/c.txt 2>&1
    v=$(pick "$2" "$5" < /tmp/c.txt)
    [ -n "$v" ] || kill $spid 2> /dev/null   # the client failed: do not let the server wait out its timeout
    wait $spid
    if [ -n "$v" ] || ! ls /tmp/hs_err_*.log > /dev/null 2>&1 || [ $crashes = 2 ]; then break; fi
    crashes=$((crashes + 1))
    for f in /tmp/hs_err_*.log; do cp "$f" "${RDMA4J_RESULTS:-/tmp}/hs_err-$1-$2-port$port-$(basename "$f")"; done
    port=$((port + 1000))   # the dead server's port may linger; this subshell's change stays in here
  done
  echo $((SECONDS - t0)) > /tmp/rdma4j-secs
  echo $crashes > /tmp/rdma4j-crashes
  echo "$v"
}
# One rdma4j run (the variant's when $7 is set): its output at once when it failed, and its part
# of the round's line in $lines (printed once perftest's value is known).
measure() { # label name size iters bin col [extra JVM options]
  local v crashed
  port=$((port + 1)); v=$(run_rdma4j "$2" "$3" "$4" "$5" "$6" "${7:-}")
  crashed=$(cat /tmp/rdma4j-crashes); crashed=$([ "$crashed" = 0 ] || echo ", $crashed JVM crash(es) run again")
  lines+=("$1=${v:-FAILED} ($1 run $(cat /tmp/rdma4j-secs) s$crashed)")
  [ -n "$v" ] || { echo "--- $1 $2 client output:"; tail -5 /tmp/c.txt; echo "--- $1 $2 server output:"; tail -5 /tmp/s.txt; }
}
for r in $(seq 1 "$rounds"); do
  for t in "${tests[@]}"; do
    set -- $t
    # the order flips each round: perftest first in odd rounds, last in even ones
    lines=()
    if [ $((r % 2)) = 1 ]; then port=$((port + 1)); a=$(run_perftest "$@"); fi
    measure rdma4j "$@"
    [ -z "$variant" ] || measure variant "$@" "$variant"
    if [ $((r % 2)) = 0 ]; then port=$((port + 1)); a=$(run_perftest "$@"); fi
    for l in "${lines[@]}"; do
      echo "round $r $1 $2 perftest=${a:-FAILED} $l" | tee -a "$out"
    done
  done
done
echo
printf '%-11s %6s %12s %12s %8s %s\n' test size perftest rdma4j ratio "unit (median of per-round ratios)"
for t in "${tests[@]}"; do
  set -- $t
  unit=$([ "$5" = 4 ] && echo "MB/s" || { [[ $1 == *lat ]] && echo "us typical" || echo "Mpps"; })
  for label in rdma4j $([ -z "$variant" ] || echo variant); do
    # per-round ratios sorted numerically (mawk, the guest's awk, has no asort), then the median
    ratios=$(grep " $1 $2 .* $label=" "$out" | awk '{ split($5, a, "="); split($6, b, "=")
        if (a[2] != "FAILED" && b[2] != "FAILED" && a[2] > 0) print b[2] / a[2] }' | sort -g)
    last=$(grep " $1 $2 .* $label=" "$out" | tail -1)
    name=$([ "$label" = rdma4j ] && echo "$1" || echo "  $label")
    echo "$ratios" | awk -v t="$name" -v s="$2" -v u="$unit" -v last="$last" '
      NF { q[++n] = $1 }
      END { split(last, f, " "); split(f[5], a, "="); split(f[6], b, "=")
            if (!n) { printf "%-11s %6s %12s %12s %8s %s\n", t, s, "-", "-", "-", u; exit }
            m = (n % 2) ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2
            printf "%-11s %6s %12s %12s %8.2f %s\n", t, s, a[2], b[2], m, u }'
  done
done

#!/usr/bin/env bash
# In the Soft-RoCE guest: the JMH runs of scripts/bench-verbs-jmh.
# $1 = rounds, $2 = 1 for quick, $3 = both, crit or pool.
set -euo pipefail
rounds=${1:-3} quick=${2:-0} only=${3:-both}
J=$JAVA_HOME/bin/java B=rdma4j-bench/target/benchmarks.jar
out=${RDMA4J_RESULTS:-/tmp}
if [ "$quick" = 1 ]; then iters=(-wi 1 -w 200ms -i 1 -r 200ms); else iters=(-wi 5 -w 2 -i 5 -r 1); fi   # TCG: JIT warm-up takes seconds
if [ "$only" != pool ]; then
: > "$out/crit.csv"
for r in $(seq 1 "$rounds"); do
  order=$([ $((r % 2)) = 1 ] && echo false,true || echo true,false)
  echo "=== VerbsCallBench round $r (critical=$order), $(date -u +%H:%M:%S)"
  "$J" -jar "$B" VerbsCallBench -p critical="$order" -f 1 "${iters[@]}" \
      -rf csv -rff "$out/crit-$r.csv" > "$out/crit-$r.txt" 2>&1 \
    || { tail -30 "$out/crit-$r.txt"; exit 1; }
  # "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: critical",...
  tail -n +2 "$out/crit-$r.csv" | tr -d '"' \
    | awk -F, -v r="$r" '{ sub(/.*\./, "", $1); printf "round %s %s critical=%s %.1f +- %.1f ns/op\n", r, $1, $8, $5, $6 }' \
    | tee -a "$out/crit.csv"
done
echo
echo "median over $rounds rounds of the per-round ratio plain/critical (> 1: critical is faster)"
for b in pollEmpty writePoll; do
  ratios=$(grep " $b " "$out/crit.csv" | awk '
      { v[$2, $4] = $5; rr[$2] = 1 }
      END { for (r in rr) if (v[r, "critical=true"] > 0) print v[r, "critical=false"] / v[r, "critical=true"] }' | sort -g)
  plain=$(grep " $b critical=false" "$out/crit.csv" | awk '{ print $5 }' | sort -g | tr '\n' ' ')
  crit=$(grep " $b critical=true" "$out/crit.csv" | awk '{ print $5 }' | sort -g | tr '\n' ' ')
  echo "$ratios" | awk -v b="$b" -v p="$plain" -v c="$crit" '
    NF { q[++n] = $1 }
    END { m = n ? ((n % 2) ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2) : 0
          printf "%-10s plain ns/op [%s]  critical ns/op [%s]  ratio %.3f (per round %.3f..%.3f)\n", b, p, c, m, q[1], q[n] }'
done
fi
if [ "$only" != crit ]; then
echo
echo "=== PoolBench -p provider=verbs, $(date -u +%H:%M:%S)"
"$J" -jar "$B" PoolBench -p provider=verbs -f 1 "${iters[@]}" -tu us \
    -rf csv -rff "$out/pool.csv" > "$out/pool.txt" 2>&1 || { tail -30 "$out/pool.txt"; exit 1; }
sed -n '/^Benchmark/,$p' "$out/pool.txt"
fi
echo "=== done, $(date -u +%H:%M:%S)"

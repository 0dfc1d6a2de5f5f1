#!/usr/bin/env bash
# In the Soft-RoCE guest: the rdma4j command on the verbs provider (devices, then the demo over
# rdma_cm on the default loopback address, on the RDMA interface's address, and with the
# out-of-band exchange). Build on the host first (./rdma4j --help). Run it with
#   scripts/softroce -- bash scripts/lib/verbs/demo-guest.sh
# Exit status: the number of demo runs that failed.
set -uo pipefail
failed=0
./rdma4j devices || failed=$((failed + 1))
run() {
  echo "== demo $*"
  "$@" || { echo "== FAILED: $*"; failed=$((failed + 1)); }
}
run ./rdma4j demo --provider verbs
run ./rdma4j demo --provider verbs --address "${RDMA4J_SOFTROCE_ADDR:-10.77.0.1}"
RDMA4J_JAVA_OPTS=-Drdma4j.verbs.connect=oob run ./rdma4j demo --provider verbs
echo "demo-guest: $failed failed"
exit $failed

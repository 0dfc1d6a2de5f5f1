package io.rdma4j.verbs;

import io.rdma4j.testkit.BlockingCallsContract;

/**
 * The testkit's {@link BlockingCallsContract} on the verbs provider, on Soft-RoCE (skipped without
 * a device): callers poll in BUSY and ADAPTIVE mode here. Settings: {@link VerbsContractProfile}.
 */
class VerbsContractBlockingCallsTest extends BlockingCallsContract {}

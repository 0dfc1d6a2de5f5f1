package io.rdma4j.verbs;

import io.rdma4j.testkit.OrderingContract;

/**
 * The testkit's {@link OrderingContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractOrderingTest extends OrderingContract {}

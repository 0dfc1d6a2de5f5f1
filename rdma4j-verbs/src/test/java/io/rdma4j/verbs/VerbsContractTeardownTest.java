package io.rdma4j.verbs;

import io.rdma4j.testkit.TeardownContract;

/**
 * The testkit's {@link TeardownContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractTeardownTest extends TeardownContract {}

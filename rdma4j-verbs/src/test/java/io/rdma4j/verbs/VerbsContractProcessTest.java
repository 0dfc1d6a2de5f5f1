package io.rdma4j.verbs;

import io.rdma4j.testkit.ProcessContract;

/**
 * The testkit's {@link ProcessContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractProcessTest extends ProcessContract {}

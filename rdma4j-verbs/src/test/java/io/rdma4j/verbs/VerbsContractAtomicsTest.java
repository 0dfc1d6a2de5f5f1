package io.rdma4j.verbs;

import io.rdma4j.testkit.AtomicsContract;

/**
 * The testkit's {@link AtomicsContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractAtomicsTest extends AtomicsContract {}

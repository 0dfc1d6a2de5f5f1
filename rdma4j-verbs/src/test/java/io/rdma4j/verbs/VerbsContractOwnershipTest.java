package io.rdma4j.verbs;

import io.rdma4j.testkit.OwnershipContract;

/**
 * The testkit's {@link OwnershipContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractOwnershipTest extends OwnershipContract {}

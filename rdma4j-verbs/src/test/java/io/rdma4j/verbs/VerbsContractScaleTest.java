package io.rdma4j.verbs;

import io.rdma4j.testkit.ScaleContract;

/**
 * The testkit's {@link ScaleContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractScaleTest extends ScaleContract {}

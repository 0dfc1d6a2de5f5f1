package io.rdma4j.verbs;

import io.rdma4j.testkit.DataTransferContract;

/**
 * The testkit's {@link DataTransferContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractDataTransferTest extends DataTransferContract {}

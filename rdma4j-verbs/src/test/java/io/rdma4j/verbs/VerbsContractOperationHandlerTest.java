package io.rdma4j.verbs;

import io.rdma4j.testkit.OperationHandlerContract;

/**
 * The testkit's {@link OperationHandlerContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractOperationHandlerTest extends OperationHandlerContract {}

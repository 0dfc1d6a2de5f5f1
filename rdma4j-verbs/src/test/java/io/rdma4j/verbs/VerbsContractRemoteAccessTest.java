package io.rdma4j.verbs;

import io.rdma4j.testkit.RemoteAccessContract;

/**
 * The testkit's {@link RemoteAccessContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractRemoteAccessTest extends RemoteAccessContract {}

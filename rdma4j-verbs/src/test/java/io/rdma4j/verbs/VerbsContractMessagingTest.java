package io.rdma4j.verbs;

import io.rdma4j.testkit.MessagingContract;

/**
 * The testkit's {@link MessagingContract} on the verbs provider, on Soft-RoCE (skipped without a device).
 * Settings: {@link VerbsContractProfile}.
 */
class VerbsContractMessagingTest extends MessagingContract {}

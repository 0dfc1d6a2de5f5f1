package io.rdma4j.verbs;

import io.rdma4j.testkit.RevocationFaultContract;

/** The testkit's {@link RevocationFaultContract} on rxe0 in the Soft-RoCE guest ({@link VerbsContractProfile}). */
class VerbsContractRevocationFaultTest extends RevocationFaultContract {}

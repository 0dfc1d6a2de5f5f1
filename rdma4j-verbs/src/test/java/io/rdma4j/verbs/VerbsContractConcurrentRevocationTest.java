package io.rdma4j.verbs;

import io.rdma4j.testkit.ConcurrentRevocationContract;

/** The testkit's {@link ConcurrentRevocationContract} on rxe0 in the Soft-RoCE guest ({@link VerbsContractProfile}). */
class VerbsContractConcurrentRevocationTest extends ConcurrentRevocationContract {}

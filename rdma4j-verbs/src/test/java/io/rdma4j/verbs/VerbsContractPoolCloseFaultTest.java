package io.rdma4j.verbs;

import io.rdma4j.testkit.PoolCloseFaultContract;

/** The testkit's {@link PoolCloseFaultContract} on rxe0 in the Soft-RoCE guest ({@link VerbsContractProfile}). */
class VerbsContractPoolCloseFaultTest extends PoolCloseFaultContract {}

package io.rdma4j.verbs;

import io.rdma4j.testkit.CloseRaceFaultContract;

/** The testkit's {@link CloseRaceFaultContract} on rxe0 in the Soft-RoCE guest ({@link VerbsContractProfile}). */
class VerbsContractCloseRaceFaultTest extends CloseRaceFaultContract {}

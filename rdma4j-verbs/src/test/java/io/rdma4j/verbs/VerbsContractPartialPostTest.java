package io.rdma4j.verbs;

import io.rdma4j.testkit.PartialPostContract;

/** The testkit's {@link PartialPostContract} on rxe0 in the Soft-RoCE guest ({@link VerbsContractProfile}). */
class VerbsContractPartialPostTest extends PartialPostContract {}

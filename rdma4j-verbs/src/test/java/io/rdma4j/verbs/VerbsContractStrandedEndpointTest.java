package io.rdma4j.verbs;

import io.rdma4j.testkit.StrandedEndpointContract;

/** The testkit's {@link StrandedEndpointContract} on rxe0 in the Soft-RoCE guest ({@link VerbsContractProfile}). */
class VerbsContractStrandedEndpointTest extends StrandedEndpointContract {}

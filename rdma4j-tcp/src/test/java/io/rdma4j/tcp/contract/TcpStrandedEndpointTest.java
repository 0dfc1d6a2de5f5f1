package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.StrandedEndpointContract;

/** The testkit's {@link StrandedEndpointContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpStrandedEndpointTest extends StrandedEndpointContract {}

package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.OperationHandlerContract;

/** The testkit's {@link OperationHandlerContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpOperationHandlerTest extends OperationHandlerContract {}

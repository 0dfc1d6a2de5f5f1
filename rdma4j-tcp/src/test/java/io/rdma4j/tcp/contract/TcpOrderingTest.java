package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.OrderingContract;

/** The testkit's {@link OrderingContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpOrderingTest extends OrderingContract {}

package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.TeardownContract;

/** The testkit's {@link TeardownContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpTeardownTest extends TeardownContract {}

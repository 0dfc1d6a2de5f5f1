package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.ProcessContract;

/** The testkit's {@link ProcessContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpProcessTest extends ProcessContract {}

package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.PartialPostContract;

/** The testkit's {@link PartialPostContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpPartialPostTest extends PartialPostContract {}

package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.OwnershipContract;

/** The testkit's {@link OwnershipContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpOwnershipTest extends OwnershipContract {}

package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.ConcurrentRevocationContract;

/** The testkit's {@link ConcurrentRevocationContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpConcurrentRevocationTest extends ConcurrentRevocationContract {}

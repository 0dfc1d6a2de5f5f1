package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.RevocationFaultContract;

/** The testkit's {@link RevocationFaultContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpRevocationFaultTest extends RevocationFaultContract {}

package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.MessagingContract;

/** The testkit's {@link MessagingContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpMessagingTest extends MessagingContract {}

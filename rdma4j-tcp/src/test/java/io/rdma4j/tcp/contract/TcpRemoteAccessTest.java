package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.RemoteAccessContract;

/** The testkit's {@link RemoteAccessContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpRemoteAccessTest extends RemoteAccessContract {}

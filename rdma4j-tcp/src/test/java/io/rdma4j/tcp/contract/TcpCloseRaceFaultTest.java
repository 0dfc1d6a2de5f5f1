package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.CloseRaceFaultContract;

/** The testkit's {@link CloseRaceFaultContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpCloseRaceFaultTest extends CloseRaceFaultContract {}

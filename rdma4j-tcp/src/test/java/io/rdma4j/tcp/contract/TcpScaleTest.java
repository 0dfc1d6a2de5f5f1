package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.ScaleContract;

/** The testkit's {@link ScaleContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpScaleTest extends ScaleContract {}

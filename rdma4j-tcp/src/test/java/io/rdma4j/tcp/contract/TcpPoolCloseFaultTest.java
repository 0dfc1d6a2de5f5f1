package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.PoolCloseFaultContract;

/** The testkit's {@link PoolCloseFaultContract} on the TCP provider ({@link TcpContractProfile}). */
class TcpPoolCloseFaultTest extends PoolCloseFaultContract {}

package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.DataTransferContract;

/** The testkit's {@link DataTransferContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpDataTransferTest extends DataTransferContract {}

package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.AtomicsContract;

/** The testkit's {@link AtomicsContract} on the TCP provider, over real loopback sockets ({@link TcpContractProfile}). */
class TcpAtomicsTest extends AtomicsContract {}

package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.BlockingCallsContract;

/**
 * The testkit's {@link BlockingCallsContract} on the TCP provider, over real loopback sockets
 * ({@link TcpContractProfile}): callers poll in BUSY mode here.
 */
class TcpBlockingCallsTest extends BlockingCallsContract {}

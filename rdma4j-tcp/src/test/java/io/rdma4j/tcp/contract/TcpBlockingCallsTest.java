package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.BlockingCallsContract;

/**
 * The testkit's {@link BlockingCallsContract} on the TCP provider, over real loopback sockets
 * ({@link TcpContractProfile}): callers poll in BUSY mode here, and in ADAPTIVE they yield-poll,
 * then block on the completion queue's event ({@code awaitEvent}) and poll when woken.
 */
class TcpBlockingCallsTest extends BlockingCallsContract {}

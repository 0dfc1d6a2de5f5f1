package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.TeardownContract;

/** The testkit's {@link TeardownContract} on the TCP provider, over real loopback sockets. */
class TcpTeardownTest extends TeardownContract {
    @Override
    protected String provider() {
        return "tcp";
    }
}

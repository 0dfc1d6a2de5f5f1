package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.ScaleContract;

/** The testkit's {@link ScaleContract} on the TCP provider, over real loopback sockets. */
class TcpScaleTest extends ScaleContract {
    @Override
    protected String provider() {
        return "tcp";
    }
}

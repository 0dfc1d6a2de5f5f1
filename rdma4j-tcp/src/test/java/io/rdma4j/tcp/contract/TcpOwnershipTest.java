package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.OwnershipContract;

/** The testkit's {@link OwnershipContract} on the TCP provider, over real loopback sockets. */
class TcpOwnershipTest extends OwnershipContract {
    @Override
    protected String provider() {
        return "tcp";
    }
}

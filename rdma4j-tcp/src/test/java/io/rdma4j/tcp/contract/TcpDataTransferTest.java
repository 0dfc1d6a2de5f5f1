package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.DataTransferContract;

/** The testkit's {@link DataTransferContract} on the TCP provider, over real loopback sockets. */
class TcpDataTransferTest extends DataTransferContract {
    @Override
    protected String provider() {
        return "tcp";
    }
}

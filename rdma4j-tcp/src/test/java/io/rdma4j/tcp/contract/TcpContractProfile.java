package io.rdma4j.tcp.contract;

import io.rdma4j.testkit.ContractProfile;

/**
 * The TCP provider's settings for every contract test here: the testkit's defaults over real
 * loopback sockets. Found through {@code META-INF/services/io.rdma4j.testkit.ContractProfile}.
 */
public final class TcpContractProfile implements ContractProfile {
    /** For {@link java.util.ServiceLoader}. */
    public TcpContractProfile() {}

    @Override
    public String provider() {
        return "tcp";
    }
}

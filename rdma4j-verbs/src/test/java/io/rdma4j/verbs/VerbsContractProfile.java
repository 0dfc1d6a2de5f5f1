package io.rdma4j.verbs;

import io.rdma4j.RdmaOptions;
import io.rdma4j.testkit.ContractProfile;
import java.time.Duration;

/**
 * The verbs provider's settings for every {@code VerbsContract*Test}, on Soft-RoCE. Found by the
 * testkit through {@code META-INF/services/io.rdma4j.testkit.ContractProfile}.
 */
public final class VerbsContractProfile implements ContractProfile {
    /** For {@link java.util.ServiceLoader}. */
    public VerbsContractProfile() {}

    @Override
    public String provider() {
        return "verbs";
    }

    @Override
    public String defaultHost() {
        return SoftRoce.address();
    }

    /** Soft-RoCE's rxe allows messages of at most 8 MiB (its port's max_msg_sz). */
    @Override
    public long maxTransferSize() {
        return 8L << 20;
    }

    /** Everything is 10-50x slower under QEMU's TCG than on a real machine. */
    @Override
    public Duration patience() {
        return Duration.ofSeconds(SoftRoce.inGuest() ? 120 : 20);
    }

    /**
     * Options for the verbs tests that open their own contexts: this profile's, with timeouts of
     * {@link #patience()}.
     *
     * @return a builder for {@code verbs}
     */
    RdmaOptions.Builder options() {
        RdmaOptions.Builder b = RdmaOptions.builder().provider(provider())
                .operationTimeout(patience()).connectTimeout(patience());
        configure(b);
        return b;
    }

    /** @return the address tests listen on: {@code -Drdma4j.testkit.host}, else {@link #defaultHost()} */
    String host() {
        return System.getProperty("rdma4j.testkit.host", defaultHost());
    }

    @Override
    public void configure(RdmaOptions.Builder builder) {
        if (SoftRoce.inGuest()) {
            builder.device(SoftRoce.device());
        }
    }

    /** Skips each contract class without a device, before its set-up opens any context. */
    @Override
    public void assumeReady() {
        SoftRoce.assumeDevice();
    }
}

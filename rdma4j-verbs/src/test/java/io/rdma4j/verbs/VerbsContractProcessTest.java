package io.rdma4j.verbs;

import io.rdma4j.RdmaOptions;
import io.rdma4j.testkit.ProcessContract;
import org.junit.jupiter.api.BeforeAll;

/** The testkit's {@link ProcessContract} on the verbs provider, on Soft-RoCE (skipped without a device). */
class VerbsContractProcessTest extends ProcessContract {
    /** Before the contract's own set-up, which may already open contexts: skip the class without a device. */
    @BeforeAll
    static void requireDevice() {
        SoftRoce.assumeDevice();
    }

    @Override
    protected String provider() {
        return "verbs";
    }

    @Override
    protected String host() {
        String h = System.getProperty(HOST_PROPERTY);
        return h == null || h.isBlank() ? SoftRoce.address() : h.trim();
    }

    /** Soft-RoCE's rxe allows messages of at most 8 MiB (its port's max_msg_sz). */
    @Override
    protected long maxTransferSize() {
        return 8L << 20;
    }

    /** Everything is 10-50x slower under QEMU's TCG than on a real machine. */
    @Override
    protected java.time.Duration patience() {
        return java.time.Duration.ofSeconds(SoftRoce.inGuest() ? 120 : 20);
    }

    @Override
    protected void configure(RdmaOptions.Builder builder) {
        if (SoftRoce.inGuest()) {
            builder.device(SoftRoce.device());
        }
    }
}

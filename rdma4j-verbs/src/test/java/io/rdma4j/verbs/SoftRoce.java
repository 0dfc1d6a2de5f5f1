package io.rdma4j.verbs;

import io.rdma4j.spi.EndpointHandler;
import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.ProviderConfig;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the verbs tests run: in the Soft-RoCE guest ({@code scripts/softroce} sets
 * {@code RDMA4J_SOFTROCE=1}, device {@code rxe0} on {@code 10.77.0.1}) or on any machine with an
 * active RDMA port. Elsewhere (the host, CI's Maven run) they are skipped, never failed; in the
 * guest a missing device is a failure.
 */
final class SoftRoce {
    private SoftRoce() {}

    /** For tests that drive endpoints through the SPI and expect neither control messages nor a disconnect report. */
    static final EndpointHandler QUIET = new EndpointHandler() {
        @Override
        public void onControlMessage(MemorySegment message) {}

        @Override
        public void onDisconnected(Throwable cause) {}
    };

    static boolean inGuest() {
        return "1".equals(System.getenv("RDMA4J_SOFTROCE"));
    }

    static String address() {
        return System.getenv().getOrDefault("RDMA4J_SOFTROCE_ADDR", "10.77.0.1");
    }

    static String device() {
        return System.getenv().getOrDefault("RDMA4J_SOFTROCE_DEVICE", "rxe0");
    }

    static ProviderConfig config(Map<String, String> properties) {
        return new ProviderConfig(inGuest() ? device() : null, 1, -1, 7, Duration.ofMillis(1), 7,
                Duration.ofSeconds(4), properties);
    }

    /** Skips the calling test unless an RDMA device is there; in the guest, fails if it is not. */
    static void assumeDevice() {
        ProviderAvailability a = new VerbsProvider().probe(config(Map.of()));
        if (inGuest() && !a.available()) {
            throw new AssertionError("RDMA4J_SOFTROCE=1 but verbs is unavailable: " + a.reason() + " (" + a.hint() + ")");
        }
        Assumptions.assumeTrue(a.available(), () -> "no RDMA device here (" + a.reason() + "); run scripts/test-verbs");
    }
}

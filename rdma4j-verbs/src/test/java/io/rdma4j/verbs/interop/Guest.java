package io.rdma4j.verbs.interop;

import io.rdma4j.spi.DeviceDescription;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.verbs.VerbsProvider;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The Soft-RoCE guest as the interop tests see it ({@code scripts/softroce} sets
 * {@code RDMA4J_SOFTROCE=1}, device {@code rxe0} on {@code 10.77.0.1}, and installs
 * ibverbs-utils and rdmacm-utils). Elsewhere the tests are skipped: they start the real tools.
 */
final class Guest {
    private Guest() {}

    static void assumeGuest() {
        Assumptions.assumeTrue("1".equals(System.getenv("RDMA4J_SOFTROCE")),
                "interop with ibv_rc_pingpong and rping runs in the Soft-RoCE guest (scripts/test-verbs)");
    }

    static String address() {
        return System.getenv().getOrDefault("RDMA4J_SOFTROCE_ADDR", "10.77.0.1");
    }

    static String device() {
        return System.getenv().getOrDefault("RDMA4J_SOFTROCE_DEVICE", "rxe0");
    }

    /**
     * The GID index both sides use: RoCE v2 with this guest's IPv4 address (what rdma_cm picks),
     * passed to the tool with -g and to our provider as its configured index, so both speak v2.
     */
    static int gidIndex() {
        for (DeviceDescription d : new VerbsProvider().describeDevices()) {
            if (!d.device().equals(device())) {
                continue;
            }
            for (Map<String, String> port : d.ports()) {
                if (!"1".equals(port.get("port"))) {
                    continue;
                }
                for (Map.Entry<String, String> e : port.entrySet()) {
                    String v = e.getValue();
                    if (e.getKey().startsWith("gid[") && v.contains("RoCE v2") && v.contains("0000:ffff:")) {
                        return Integer.parseInt(e.getKey().substring(4, e.getKey().length() - 1));
                    }
                }
            }
            throw new AssertionError("no RoCE v2 IPv4 GID on " + device() + " port 1: " + d.ports());
        }
        throw new AssertionError("no device " + device() + " in " + new VerbsProvider().describeDevices());
    }

    /**
     * The verbs provider's configuration for a foreign peer: {@code connect} is {@code oob}
     * (ibv_rc_pingpong's TCP exchange) or {@code cm} (rdma_cm), {@code control=none}.
     */
    static ProviderConfig config(String connect, int gidIndex) {
        return new ProviderConfig(device(), 1, gidIndex, 7, Duration.ofMillis(1), 7, Duration.ofSeconds(4),
                Map.of("connect", connect, "control", "none"));
    }
}

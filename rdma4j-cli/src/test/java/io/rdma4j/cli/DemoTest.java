package io.rdma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code rdma4j demo} end to end on the TCP provider: every check passes, the summary is printed. */
class DemoTest {

    @Test
    @Timeout(60)
    void demoPassesOnTcp() {
        long t0 = System.nanoTime();
        CliRun r = CliRun.of("demo", "--provider", "tcp", "--seconds", "0.5");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertEquals(Main.OK, r.status(), r::toString);
        assertFalse(r.out().contains("\u2717"), r::toString);
        for (String check : new String[] {"write", "read", "send / receive", "writeWithImm", "sendWithImm", "fetchAndAdd",
                "compareAndSwap (success)", "compareAndSwap (failure)", "batch", "grant + acceptGrant", "requestRemote",
                "release", "revoked grant: remote access error", "lease expiry: remote access error", "ownership"}) {
            assertTrue(r.out().contains("\u2713 " + check), () -> "missing passed check '" + check + "'\n" + r);
        }
        assertTrue(r.out().contains("summary"), r::toString);
        assertTrue(r.out().contains("write 64 KiB"), r::toString);
        assertTrue(r.out().contains("write 8 B latency"), r::toString);
        assertTrue(took.toSeconds() < 30, "the demo took " + took);
    }

    @Test
    @Timeout(60)
    void checksOnlyMode() {
        CliRun r = CliRun.of("demo", "--provider", "tcp", "--no-bench");
        assertEquals(Main.OK, r.status(), r::toString);
        assertFalse(r.out().contains("write 64 KiB"), r::toString);
    }

    @Test
    void devicesListsTcpAsAvailable() {
        CliRun r = CliRun.of("devices");
        assertEquals(Main.OK, r.status(), r::toString);
        assertTrue(r.out().contains("provider tcp"), r::toString);
        CliRun j = CliRun.of("devices", "--json");
        assertEquals(Main.OK, j.status(), j::toString);
        assertTrue(j.out().trim().startsWith("{") && j.out().contains("\"name\":\"tcp\",\"priority\""), j::toString);
        assertTrue(j.out().contains("\"available\":true"), j::toString);
    }
}

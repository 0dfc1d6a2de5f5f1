package io.rdma4j.testkit;

import io.rdma4j.LocalMr;
import io.rdma4j.MemoryView;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import java.lang.foreign.ValueLayout;

/**
 * Scenarios of {@link ProcessContract} that may crash the JVM when the safe core is wrong (a
 * use-after-free shows as SIGSEGV), so they run in their own process. Prints {@code OK ...} and
 * exits 0 when the behaviour is safe; prints {@code BAD ...} and exits 3 when it is not.
 *
 * <p>Arguments: {@code provider scenario}. Scenarios:
 * <ul>
 *   <li>{@code view-after-context-close}: a write view is open when its context closes; then
 *       another context allocates (possibly the same addresses) and the view is used. Safe: the
 *       view's segment throws {@link IllegalStateException}, or still sees its own bytes and its
 *       writes reach no other context's memory.
 * </ul>
 */
public final class ProbeMain {
    private ProbeMain() {}

    /**
     * Runs a scenario.
     *
     * @param args provider, scenario
     */
    public static void main(String[] args) {
        String provider = args[0];
        String scenario = args[1];
        boolean ok = switch (scenario) {
            case "view-after-context-close" -> viewAfterContextClose(provider);
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        };
        System.out.flush();
        System.exit(ok ? 0 : 3);
    }

    private static boolean viewAfterContextClose(String provider) {
        RdmaOptions options = RdmaOptions.builder().provider(provider).build();
        RdmaContext ctx = Rdma.open(options);
        LocalMr m = ctx.allocate(64 << 10);
        MemoryView v = m.view(0, 4096);
        v.segment().fill((byte) 0x11);
        ctx.close();
        try (RdmaContext other = Rdma.open(options)) {
            LocalMr[] others = new LocalMr[16];
            for (int i = 0; i < others.length; i++) {
                others[i] = other.allocate(64 << 10);
                others[i].fill(0, 64 << 10, (byte) 0x22);
            }
            try {
                byte seen = v.segment().get(ValueLayout.JAVA_BYTE, 100);
                if (seen != 0x11) {
                    System.out.println("BAD: a view read 0x" + Integer.toHexString(seen & 0xFF)
                            + " after its context closed, not its own 0x11: it reads freed and reused memory");
                    return false;
                }
                v.segment().fill((byte) 0x33);
                for (LocalMr o : others) {
                    for (long off = 0; off < o.size(); off += 512) {
                        if (o.getByte(off) != 0x22) {
                            System.out.println("BAD: a write through a view of a closed context changed another context's memory");
                            return false;
                        }
                    }
                }
                System.out.println("OK: the view kept its memory alive after its context closed");
            } catch (IllegalStateException e) {
                System.out.println("OK: the view's segment was closed with its context: " + e.getMessage());
            } finally {
                v.close();
            }
        }
        return true;
    }
}

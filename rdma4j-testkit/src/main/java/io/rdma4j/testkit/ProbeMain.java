package io.rdma4j.testkit;

import io.rdma4j.LocalMr;
import io.rdma4j.MemoryView;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.RemoteMr;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
 *   <li>{@code close-under-load}: connections closed while 16 MiB WRITEs, READs and SENDs from and
 *       into dedicated (non-pooled) regions are in flight, the regions closed at once, and new
 *       memory allocated and filled, round after round. Safe: no crash, every future completes,
 *       new memory keeps its bytes.
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
            case "close-under-load" -> closeUnderLoad(provider, args.length > 2 ? args[2] : "127.0.0.1");
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

    private static boolean closeUnderLoad(String provider, String host) {
        RdmaOptions options = RdmaOptions.builder().provider(provider).build();
        int big = 16 << 20;
        try (RdmaContext server = Rdma.open(options); RdmaContext client = Rdma.open(options);
             Listener listener = server.listen(new InetSocketAddress(host, 0))) {
            for (int round = 0; round < 8; round++) {
                CompletableFuture<Connection> accepted = listener.acceptAsync();
                Connection c = client.connect(listener.localAddress());
                Connection s = accepted.get(30, TimeUnit.SECONDS);
                LocalMr target = server.allocate(big);
                s.grant(target, Access.REMOTE_ALL, Duration.ofMinutes(1));
                RemoteMr r = c.acceptGrant();
                LocalMr rcv = server.allocate(big);
                List<CompletableFuture<Received>> receives = new ArrayList<>();
                receives.add(s.receiveAsync(rcv.slice()));
                List<LocalMr> mine = new ArrayList<>();
                List<CompletableFuture<?>> fs = new ArrayList<>();
                for (int k = 0; k < 6; k++) {
                    LocalMr m = client.allocate(big);
                    m.fill(0, big, (byte) (k + 1));
                    mine.add(m);
                    fs.add(switch (k % 3) {
                        case 0 -> c.writeAsync(m.slice(), r.slice());
                        case 1 -> c.readAsync(m.slice(), r.slice());
                        default -> c.sendAsync(m.slice());
                    });
                }
                Thread.sleep(round % 4); // close at different points of the transfers
                if (round % 2 == 0) {
                    c.close();
                } else {
                    s.close();
                }
                for (LocalMr m : mine) {
                    m.close();
                }
                target.close();
                rcv.close();
                // new owners of memory that was just given back
                List<LocalMr> fresh = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    LocalMr f = (k % 2 == 0 ? client : server).allocate(big);
                    f.fill(0, big, (byte) 0x5C);
                    fresh.add(f);
                }
                for (CompletableFuture<?> f : fs) {
                    try {
                        f.get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        // failing is fine: the connection closed
                    }
                }
                for (CompletableFuture<Received> f : receives) {
                    try {
                        f.get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        // flushed or closed
                    }
                }
                Thread.sleep(50);
                for (LocalMr f : fresh) {
                    for (long off = 0; off < big; off += 4096) {
                        if (f.getByte(off) != 0x5C) {
                            System.out.println("BAD: round " + round + ": memory allocated after a close was changed at offset " + off);
                            return false;
                        }
                    }
                    f.close();
                }
                c.close();
                s.close();
            }
            System.out.println("OK: closing under load touched no freed memory");
            return true;
        } catch (Exception e) {
            System.out.println("BAD: " + e);
            e.printStackTrace(System.out);
            return false;
        }
    }
}

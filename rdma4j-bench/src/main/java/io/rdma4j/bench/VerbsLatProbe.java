package io.rdma4j.bench;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.LocalSlice;
import io.rdma4j.PollMode;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.RemoteMr;
import io.rdma4j.RemoteSlice;
import io.rdma4j.ffi.Ibv;
import io.rdma4j.ffi.IbvContext;
import io.rdma4j.ffi.IbvCq;
import io.rdma4j.ffi.IbvMr;
import io.rdma4j.ffi.IbvPd;
import io.rdma4j.ffi.IbvQp;
import io.rdma4j.ffi.QpInitAttr;
import io.rdma4j.ffi.SendWr;
import io.rdma4j.ffi.Verbs;
import io.rdma4j.ffi.WorkCompletion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Where a verbs round trip's time goes: the same 8-byte READ or fetch-and-add loop, one
 * operation outstanding, timed per operation, through the ffi layer alone ({@code raw}: post,
 * spin on {@code ibv_poll_cq}, as perftest's loop) and through the public API ({@code core}:
 * {@code Connection.read} / {@code fetchAndAdd}, blocking). Both run in one process between
 * two QPs of one device, so the difference is rdma4j's own per-operation path. Needs a device
 * (the Soft-RoCE guest):
 *
 * <pre>java -cp rdma4j-bench/target/benchmarks.jar io.rdma4j.bench.VerbsLatProbe raw|core read|atomic DEVICE GID_INDEX ADDR [N]</pre>
 *
 * Prints a line per measured run (three): the mode, the operation, median, minimum and p90 in us.
 */
public final class VerbsLatProbe {
    private static final int CHUNK = 8;

    private VerbsLatProbe() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5 || !args[0].matches("raw|core") || !args[1].matches("read|atomic")) {
            System.err.println("usage: VerbsLatProbe raw|core read|atomic DEVICE GID_INDEX ADDR [N]");
            System.exit(2);
        }
        try {
            probe(args);
        } catch (RuntimeException e) {
            System.err.println("VerbsLatProbe: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void probe(String[] args) throws Exception {
        boolean atomic = args[1].equals("atomic");
        int n = args.length > 5 ? Integer.parseInt(args[5]) : 20000;
        List<AutoCloseable> resources = new ArrayList<>();
        Timed op = args[0].equals("raw") ? raw(args[2], atomic, resources)
                : core(args[2], Integer.parseInt(args[3]), args[4], atomic, resources);
        long[] scratch = new long[CHUNK];
        for (int i = 0; i < n; i += CHUNK) {
            op.run(scratch, CHUNK);
        }
        Thread.sleep(2000); // let the JIT finish
        for (int run = 1; run <= 3; run++) {
            long[] samples = new long[n];
            op.run(samples, n);
            Arrays.sort(samples);
            System.out.printf(Locale.ROOT, "%s %s run %d median %.2f us min %.2f us p90 %.2f us%n", args[0], args[1], run,
                    samples[n / 2] / 1e3, samples[0] / 1e3, samples[n * 9 / 10] / 1e3);
        }
        for (AutoCloseable c : resources.reversed()) {
            c.close();
        }
    }

    @FunctionalInterface
    private interface Timed {
        void run(long[] into, int count) throws Exception;
    }

    private static Timed core(String device, int gidIndex, String addr, boolean atomic, List<AutoCloseable> resources)
            throws Exception {
        RdmaOptions.Builder b = RdmaOptions.builder().provider("verbs").device(device).port(LoopbackQps.PORT).gidIndex(gidIndex)
                .pollMode(PollMode.ADAPTIVE).operationTimeout(Duration.ofSeconds(60));
        if (Boolean.getBoolean("probe.perfOptions")) { // the queue sizes rdma4j perf asks for
            b.sendQueueDepth(128).receiveQueueDepth(512).completionQueueSize(8192).rnrDelay(Duration.ofNanos(10_000));
        }
        RdmaOptions options = b.build();
        RdmaContext server = add(resources, Rdma.open(options));
        RdmaContext client = add(resources, Rdma.open(options));
        Listener listener = add(resources, server.listen(new InetSocketAddress(addr, 20999)));
        CompletableFuture<Connection> accepted = listener.acceptAsync();
        Connection conn = add(resources, client.connect(new InetSocketAddress(addr, 20999)));
        Connection back = add(resources, accepted.get());
        LocalMr target = add(resources, server.allocate(4096, 4096));
        back.grant(target, Access.REMOTE_ALL, Duration.ofHours(1));
        RemoteMr remote = conn.acceptGrant();
        LocalMr buf = add(resources, client.allocate(4096, 4096));
        LocalSlice local = buf.slice(0, 8);
        RemoteSlice rs = remote.slice(0, 8);
        return (into, count) -> {
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                if (atomic) {
                    conn.fetchAndAdd(rs, 1);
                } else {
                    conn.read(local, rs);
                }
                into[i] = System.nanoTime() - t0;
            }
        };
    }

    private static Timed raw(String device, boolean atomic, List<AutoCloseable> resources) {
        Arena arena = add(resources, Arena.ofShared());
        IbvContext context = add(resources, Verbs.openDevice(device));
        IbvPd pd = add(resources, context.allocPd());
        IbvCq cq = add(resources, context.createCq(64, 0, null, 0));
        IbvCq peerCq = add(resources, context.createCq(64, 0, null, 0));
        IbvQp qp = add(resources, pd.createQp(QpInitAttr.allocate(arena).rc(cq, cq, 16, 1, 1)));
        IbvQp peer = add(resources, pd.createQp(QpInitAttr.allocate(arena).rc(peerCq, peerCq, 1, 16, 1)));
        MemorySegment buffer = arena.allocate(4096, 4096);
        int access = Ibv.IBV_ACCESS_LOCAL_WRITE | Ibv.IBV_ACCESS_REMOTE_WRITE | Ibv.IBV_ACCESS_REMOTE_READ
                | Ibv.IBV_ACCESS_REMOTE_ATOMIC;
        IbvMr mr = add(resources, pd.regMr(buffer, access));
        LoopbackQps.connect(context, arena, qp, peer, access);
        LoopbackQps.connect(context, arena, peer, qp, access);
        WorkCompletion wc = WorkCompletion.allocate(arena, 64);
        SendWr wr = SendWr.allocate(arena, 1, 1);
        wr.at(0).reset(1, atomic ? Ibv.IBV_WR_ATOMIC_FETCH_AND_ADD : Ibv.IBV_WR_RDMA_READ, Ibv.IBV_SEND_SIGNALED)
                .sge(0, buffer.address(), 8, mr.lkey());
        if (atomic) {
            wr.at(0).atomic(buffer.address() + 2048, mr.rkey(), 1, 0);
        } else {
            wr.at(0).rdma(buffer.address() + 2048, mr.rkey());
        }
        wr.chain(0, 1);
        return (into, count) -> {
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                int rc = qp.postSend(wr);
                if (rc != 0) {
                    throw new IllegalStateException("ibv_post_send: errno " + rc);
                }
                int got;
                while ((got = cq.poll(wc, 64)) == 0) {
                    Thread.onSpinWait();
                }
                if (got < 0 || wc.status(0) != Ibv.IBV_WC_SUCCESS) {
                    throw new IllegalStateException("poll " + got);
                }
                into[i] = System.nanoTime() - t0;
            }
        };
    }

    /** Remembers {@code c} for closing at the end, last opened first closed. */
    private static <T extends AutoCloseable> T add(List<AutoCloseable> resources, T c) {
        resources.add(c);
        return c;
    }
}

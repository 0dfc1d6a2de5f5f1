package io.rdma4j.cli;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.ConnectionClosedException;
import io.rdma4j.Grant;
import io.rdma4j.GrantException;
import io.rdma4j.GrantRefusedException;
import io.rdma4j.LocalMr;
import io.rdma4j.LocalSlice;
import io.rdma4j.MemoryInUseException;
import io.rdma4j.MemoryView;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.RemoteAccessException;
import io.rdma4j.RemoteMr;
import io.rdma4j.Rdma;
import io.rdma4j.cli.perf.LatencyStats;
import java.io.PrintWriter;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rdma4j demo}: two contexts on loopback, every kind of operation performed and its
 * result checked, the safety rules shown failing loudly where they should, then a short
 * throughput and latency run and a summary. Exits 1 when any check fails.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class, description = {
        "Open two ends on loopback over the default provider, perform and check every kind of operation",
        "(and every refusal the safety rules promise), then run a short throughput and latency test.",
        "Exits 1 when any check fails."})
public final class DemoCommand implements Callable<Integer> {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int TARGET_SIZE = 1 << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--provider", paramLabel = "NAME",
            description = "auto, tcp, verbs, ... (default: -Drdma4j.provider, RDMA4J_PROVIDER, else auto)")
    String provider;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "2",
            description = "Length of the throughput run, and at most half of it for latency (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--address", paramLabel = "IP", defaultValue = "127.0.0.1",
            description = "Where the two ends meet (default ${DEFAULT-VALUE}); for verbs, an address of the RDMA interface.")
    String address;

    @Option(names = "--no-bench", description = "Only the checks, no throughput or latency run.")
    boolean noBench;

    @Option(names = "--progress", description = "Show progress even when stderr is not a terminal.")
    boolean progress;

    @Option(names = "--verbose", description = "Show stack traces of failed checks.")
    boolean verbose;

    private PrintWriter out;
    private PrintWriter err;
    private final List<String[]> summary = new ArrayList<>();
    private int passed;
    private int failedChecks;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (!(seconds > 0 && seconds <= 60)) {
            throw new UsageException("--seconds must be in (0, 60], was " + seconds);
        }
        RdmaOptions.Builder b = RdmaOptions.builder().operationTimeout(TIMEOUT).connectTimeout(TIMEOUT);
        if (provider != null) {
            b.provider(provider);
        }
        RdmaOptions options = b.build();
        long started = System.nanoTime();
        InetAddress loopback;
        try {
            loopback = InetAddress.getByName(address);
        } catch (java.net.UnknownHostException e) {
            throw new UsageException("--address: unknown host '" + address + "'");
        }
        try (RdmaContext serverCtx = Rdma.open(options); RdmaContext clientCtx = Rdma.open(options)) {
            try (var listener = serverCtx.listen(new InetSocketAddress(loopback, 0))) {
                CompletableFuture<Connection> accepted = listener.acceptAsync();
                Connection client = clientCtx.connect(listener.localAddress());
                Connection server = accepted.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                out.println("rdma4j demo: provider " + serverCtx.provider() + ", device " + serverCtx.device()
                        + ", " + client.localAddress() + " -> " + listener.localAddress());
                Demo d = new Demo(serverCtx, clientCtx, server, client, listener, options);
                d.runChecks();
                out.println();
                out.println("checks: " + passed + " passed, " + failedChecks + " failed");
                if (!noBench && d.remote != null) {
                    out.println();
                    d.throughput();
                    d.latency();
                }
            }
        }
        double total = (System.nanoTime() - started) / 1e9;
        out.println();
        out.println("summary");
        summary.addFirst(new String[] {"checks", passed + "/" + (passed + failedChecks) + " passed"});
        summary.add(new String[] {"wall time", String.format(Locale.ROOT, "%.1f s", total)});
        int w = summary.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        String rule = "  " + "-".repeat(w + 2) + "+" + "-".repeat(summary.stream().mapToInt(r -> r[1].length()).max().orElse(0) + 2);
        out.println(rule);
        for (String[] r : summary) {
            out.println("   " + r[0] + " ".repeat(w - r[0].length()) + " | " + r[1]);
        }
        out.println(rule);
        out.flush();
        return failedChecks == 0 ? Main.OK : Main.FAILED;
    }

    /** What a check body throws when the result is wrong. */
    static final class CheckFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CheckFailed(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    interface Body {
        String run() throws Exception;
    }

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    private void check(String name, Body body) {
        String detail;
        boolean ok;
        Throwable failure = null;
        try {
            detail = body.run();
            ok = true;
        } catch (CheckFailed e) {
            detail = e.getMessage();
            ok = false;
        } catch (Exception | AssertionError e) {
            Throwable t = unwrap(e);
            failure = t;
            detail = "unexpected " + t.getClass().getSimpleName() + ": " + Main.firstLine(t.getMessage());
            ok = false;
        }
        if (ok) {
            passed++;
        } else {
            failedChecks++;
        }
        out.println((ok ? "  \u2713 " : "  \u2717 ") + name + (detail == null || detail.isEmpty() ? "" : " \u2014 " + detail));
        if (failure != null && verbose) {
            failure.printStackTrace(out);
        }
        out.flush();
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static void expect(boolean condition, String whatWentWrong) {
        if (!condition) {
            throw new CheckFailed(whatWentWrong);
        }
    }

    /** Runs {@code r}, which must throw {@code type}; returns what it threw. */
    static <T extends Throwable> T expectThrows(Class<T> type, String what, Action r) {
        try {
            r.run();
        } catch (Throwable t) {
            Throwable u = unwrap(t);
            if (type.isInstance(u)) {
                return type.cast(u);
            }
            throw new CheckFailed(what + " threw " + u.getClass().getSimpleName() + " (" + Main.firstLine(u.getMessage())
                    + "), expected " + type.getSimpleName());
        }
        throw new CheckFailed(what + " succeeded, expected " + type.getSimpleName());
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new CheckFailed("no completion within " + TIMEOUT.toSeconds() + " s");
        }
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        int x = seed * 0x9E3779B1 + 1;
        for (int i = 0; i < length; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            b[i] = (byte) x;
        }
        return b;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** The two ends and what they share. */
    private final class Demo {
        final RdmaContext serverCtx;
        final RdmaContext clientCtx;
        final Connection server;
        final Connection client;
        final io.rdma4j.Listener listener;
        final RdmaOptions options;
        LocalMr target;
        LocalMr buf;
        LocalMr inbox;
        RemoteMr remote;

        Demo(RdmaContext serverCtx, RdmaContext clientCtx, Connection server, Connection client,
             io.rdma4j.Listener listener, RdmaOptions options) {
            this.serverCtx = serverCtx;
            this.clientCtx = clientCtx;
            this.server = server;
            this.client = client;
            this.listener = listener;
            this.options = options;
        }

        void runChecks() {
            target = serverCtx.allocate(TARGET_SIZE);
            buf = clientCtx.allocate(TARGET_SIZE);
            inbox = serverCtx.allocate(64 << 10);

            check("grant + acceptGrant", () -> {
                Grant g = server.grant(target, Access.REMOTE_ALL, Duration.ofMinutes(5));
                remote = client.acceptGrant();
                expect(remote.length() == TARGET_SIZE, "the holder sees " + remote.length() + " bytes, granted " + TARGET_SIZE);
                expect(remote.access() == Access.REMOTE_ALL, "the holder sees access " + remote.access());
                expect(remote.grantId() == g.grantId(), "grant ids differ: " + remote.grantId() + " vs " + g.grantId());
                expect(remote.isValid() && g.isActive(), "the grant is not valid on arrival");
                return "1 MiB, " + remote.access() + ", lease 5 min, rkey " + hex(remote.rkey() & 0xffffffffL);
            });
            if (remote == null) {
                return; // nothing else can run without the grant
            }

            check("write", () -> {
                byte[] data = pattern(4096, 1);
                buf.put(0, data);
                client.write(buf.slice(0, 4096), remote.slice(0, 4096));
                byte[] odd = pattern(1000, 2);
                buf.put(4099, odd);
                client.write(buf.slice(4099, 1000), remote.slice(5001, 1000));
                expect(Arrays.equals(target.getBytes(0, 4096), data), "the target does not hold the 4096 bytes written");
                expect(Arrays.equals(target.getBytes(5001, 1000), odd), "the unaligned 1000-byte write landed wrong");
                return "4096 B and 1000 B at unaligned offsets placed at the target";
            });

            check("read", () -> {
                byte[] data = pattern(4096, 3);
                target.put(8192, data);
                client.read(buf.slice(16384, 4096), remote.slice(8192, 4096));
                expect(Arrays.equals(buf.getBytes(16384, 4096), data), "the bytes read differ from the target's");
                return "4096 B read back equal";
            });

            check("send / receive", () -> {
                CompletableFuture<Received> r = server.receiveAsync(inbox.slice(0, 4096));
                byte[] msg = pattern(100, 4);
                buf.put(32768, msg);
                client.send(buf.slice(32768, 100));
                Received got = await(r);
                expect(got.byteLength() == 100, "received " + got.byteLength() + " bytes, sent 100");
                expect(!got.hasImmediate() && !got.byRdmaWrite(), "a plain SEND arrived as " + got);
                expect(Arrays.equals(inbox.getBytes(0, 100), msg), "the message's bytes differ");
                return "100 B delivered into a posted receive";
            });

            check("writeWithImm", () -> {
                CompletableFuture<Received> r = server.receiveAsync(inbox.slice(4096, 64));
                byte[] data = pattern(256, 5);
                buf.put(36864, data);
                client.writeWithImm(buf.slice(36864, 256), remote.slice(20480, 256), 0xC0FFEE);
                Received got = await(r);
                expect(got.hasImmediate() && got.immediate() == 0xC0FFEE, "immediate " + hex(got.immediate()) + ", sent 0xc0ffee");
                expect(got.byRdmaWrite(), "the receive does not say it was consumed by a WRITE with immediate");
                expect(Arrays.equals(target.getBytes(20480, 256), data), "the written bytes are not at the target");
                return "256 B placed, immediate 0xc0ffee delivered with the receive";
            });

            check("sendWithImm", () -> {
                CompletableFuture<Received> r = server.receiveAsync(inbox.slice(8192, 4096));
                byte[] msg = pattern(48, 6);
                buf.put(40960, msg);
                client.sendWithImm(buf.slice(40960, 48), 42);
                Received got = await(r);
                expect(got.hasImmediate() && got.immediate() == 42, "immediate " + got.immediate() + ", sent 42");
                expect(got.byteLength() == 48 && !got.byRdmaWrite(), "arrived as " + got);
                expect(Arrays.equals(inbox.getBytes(8192, 48), msg), "the message's bytes differ");
                return "48 B with immediate 42";
            });

            check("fetchAndAdd", () -> {
                target.putLong(65536, 40);
                long old = client.fetchAndAdd(remote.slice(65536, 8), 2);
                expect(old == 40, "returned " + old + ", the target held 40");
                expect(target.getLong(65536) == 42, "the target holds " + target.getLong(65536) + ", expected 42");
                return "40 + 2: returned 40, target 42";
            });

            check("compareAndSwap (success)", () -> {
                long old = client.compareAndSwap(remote.slice(65536, 8), 42, 7);
                expect(old == 42, "returned " + old + ", expected 42");
                expect(target.getLong(65536) == 7, "the target holds " + target.getLong(65536) + ", expected 7");
                return "42 -> 7";
            });

            check("compareAndSwap (failure)", () -> {
                long old = client.compareAndSwap(remote.slice(65536, 8), 42, 9);
                expect(old == 7, "returned " + old + ", expected 7 (the current value)");
                expect(target.getLong(65536) == 7, "the target changed to " + target.getLong(65536) + " although 7 != 42");
                return "expected 42, found 7: unchanged";
            });

            check("batch", () -> {
                byte[] a = pattern(512, 7);
                byte[] c = pattern(512, 8);
                buf.put(49152, a);
                target.put(98304, c);
                target.putLong(131072, 1000);
                client.batch()
                        .write(buf.slice(49152, 512), remote.slice(81920, 512))
                        .read(buf.slice(53248, 512), remote.slice(98304, 512))
                        .fetchAndAdd(buf.slice(57344, 8), remote.slice(131072, 8), 5)
                        .compareAndSwap(buf.slice(57352, 8), remote.slice(131080, 8), 0, 77)
                        .submit();
                expect(Arrays.equals(target.getBytes(81920, 512), a), "the batch's write did not land");
                expect(Arrays.equals(buf.getBytes(53248, 512), c), "the batch's read brought other bytes");
                expect(buf.getLong(57344) == 1000 && target.getLong(131072) == 1005, "the batch's fetchAndAdd: old "
                        + buf.getLong(57344) + ", now " + target.getLong(131072));
                expect(buf.getLong(57352) == 0 && target.getLong(131080) == 77, "the batch's compareAndSwap: old "
                        + buf.getLong(57352) + ", now " + target.getLong(131080));
                return "write + read + fetchAndAdd + compareAndSwap posted together";
            });

            check("async: 64 writes in flight", () -> {
                List<CompletableFuture<Void>> fs = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    buf.putLong(262144 + 8L * i, 1000L + i);
                }
                for (int i = 0; i < 64; i++) {
                    fs.add(client.writeAsync(buf.slice(262144 + 8L * i, 8), remote.slice(262144 + 8L * i, 8)));
                }
                await(CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)));
                for (int i = 0; i < 64; i++) {
                    expect(target.getLong(262144 + 8L * i) == 1000L + i, "write " + i + " did not land");
                }
                return "all completed, all placed";
            });

            RemoteMr[] requested = new RemoteMr[1];
            check("requestRemote", () -> {
                RemoteMr r = client.requestRemote(8192, Access.REMOTE_READ_WRITE, Duration.ofSeconds(30));
                requested[0] = r;
                expect(r.length() == 8192 && r.access() == Access.REMOTE_READ_WRITE, "got " + r);
                byte[] data = pattern(8192, 9);
                buf.put(65536, data);
                client.write(buf.slice(65536, 8192), r.slice());
                client.read(buf.slice(73728, 8192), r.slice());
                expect(Arrays.equals(buf.getBytes(73728, 8192), data), "what was read back differs from what was written");
                return "the peer allocated and granted 8 KiB; written and read back";
            });

            check("requestRemote beyond the peer's budget", () -> {
                long ask = options.grantBudget() + 1;
                GrantRefusedException e = expectThrows(GrantRefusedException.class, "a request of " + ask + " bytes",
                        () -> client.requestRemote(ask, Access.REMOTE_WRITE, Duration.ofSeconds(30)));
                return "the budget (" + (options.grantBudget() >> 20) + " MiB) plus one byte refused: " + e.getClass().getSimpleName();
            });

            check("release", () -> {
                RemoteMr r = requested[0];
                expect(r != null, "nothing was requested");
                long revokedBefore = server.stats().grantsRevoked();
                client.release(r);
                expect(!r.isValid(), "the capability is still valid after release");
                GrantException e = expectThrows(GrantException.class, "a write after release",
                        () -> client.write(buf.slice(0, 8), r.slice(0, 8)));
                long deadline = System.nanoTime() + TIMEOUT.toNanos();
                while (server.stats().grantsRevoked() == revokedBefore && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                expect(server.stats().grantsRevoked() > revokedBefore, "the granting side did not revoke the released grant");
                return "the peer revoked it; a later write is refused locally (" + e.getClass().getSimpleName() + ")";
            });

            check("access checked before posting", () -> {
                LocalMr ro = serverCtx.allocate(4096);
                try {
                    server.grant(ro, Access.REMOTE_READ, Duration.ofMinutes(1));
                    RemoteMr r = client.acceptGrant();
                    long posted = client.stats().posted();
                    var e = expectThrows(io.rdma4j.AccessDeniedException.class, "a write to a read-only grant",
                            () -> client.write(buf.slice(0, 8), r.slice(0, 8)));
                    expectThrows(IndexOutOfBoundsException.class, "a slice past the grant's end",
                            () -> r.slice(4090, 8));
                    expect(client.stats().posted() == posted, "something was posted");
                    client.release(r);
                    return "write to read-only refused (" + e.getClass().getSimpleName() + "), out-of-bounds slice refused";
                } finally {
                    ro.close();
                }
            });

            check("ownership: a receive target is lent exclusively", () -> {
                CompletableFuture<Received> r = server.receiveAsync(inbox.slice(16384, 256));
                MemoryInUseException e = expectThrows(MemoryInUseException.class, "writing into a posted receive",
                        () -> inbox.putLong(16384 + 8, 1));
                expectThrows(MemoryInUseException.class, "reading a posted receive",
                        () -> inbox.getLong(16384 + 16));
                buf.put(45056, pattern(16, 10));
                client.send(buf.slice(45056, 16));
                await(r);
                inbox.putLong(16384 + 8, 1); // allowed again once the receive completed
                return "put and get refused while posted (" + e.getClass().getSimpleName() + "), allowed after completion";
            });

            check("ownership: a view is exclusive", () -> {
                try (MemoryView v = buf.view(90112, 64)) {
                    v.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 99);
                    expectThrows(MemoryInUseException.class, "writing from memory under an open view",
                            () -> client.write(buf.slice(90112, 64), remote.slice(0, 64)));
                }
                client.write(buf.slice(90112, 64), remote.slice(0, 64));
                expect(target.getLong(0) == 99, "the write after the view closed did not land");
                return "posting refused while the view was open, fine after";
            });

            probeChecks();
        }

        /**
         * The peer's own check, not ours: a write checked and queued while its grant was valid,
         * posted only after the grant ended. A context with a send queue of one holds the write
         * behind a SEND that waits for the peer's receive (receiver not ready), so the grant can
         * end in between without a race.
         */
        private void probeChecks() {
            RdmaOptions probeOptions = options.toBuilder().sendQueueDepth(1).receiveQueueDepth(4).build();
            try (RdmaContext probeCtx = Rdma.open(probeOptions)) {
                check("revoked grant: remote access error, memory untouched", () ->
                        lateWrite(probeCtx, Duration.ofMinutes(1), true));
                check("lease expiry: remote access error, memory untouched", () ->
                        lateWrite(probeCtx, Duration.ofMillis(300), false));
            }
        }

        private String lateWrite(RdmaContext probeCtx, Duration lease, boolean revoke) throws Exception {
            CompletableFuture<Connection> acc = listener.acceptAsync();
            try (Connection holder = probeCtx.connect(listener.localAddress());
                 Connection granter = acc.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                 LocalMr victim = serverCtx.allocate(4096);
                 LocalMr src = probeCtx.allocate(4096);
                 LocalMr gate = serverCtx.allocate(64)) {
                byte[] before = pattern(4096, 11);
                victim.put(0, before);
                src.fill(0, 4096, (byte) 0x5A);
                Grant g = granter.grant(victim, Access.REMOTE_WRITE, lease);
                RemoteMr r = holder.acceptGrant();
                CompletableFuture<Void> stalled = holder.sendAsync(src.slice(0, 8));   // no receive posted yet
                CompletableFuture<Void> late = holder.writeAsync(src.slice(0, 4096), r.slice()); // checked now, posted later
                if (revoke) {
                    g.revoke();
                } else {
                    long deadline = System.nanoTime() + lease.toNanos() + TIMEOUT.toNanos();
                    while (g.isActive() && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    expect(!g.isActive(), "the lease did not end at the granting side"); // inactive = deregistered
                }
                expect(!late.isDone(), "the write ran before the grant ended (it should wait behind the SEND): "
                        + (late.isCompletedExceptionally() ? "failed" : "succeeded"));
                granter.receiveAsync(gate.slice(0, 64)); // releases the SEND, then the write is posted
                await(stalled);
                Throwable failure;
                try {
                    await(late);
                    failure = null;
                } catch (Exception e) {
                    failure = unwrap(e);
                }
                expect(failure != null, "the write after " + (revoke ? "revocation" : "expiry") + " succeeded");
                expect(failure instanceof RemoteAccessException, "failed with " + failure.getClass().getSimpleName()
                        + " (" + Main.firstLine(failure.getMessage()) + "), expected RemoteAccessException");
                expect(Arrays.equals(victim.getBytes(0, 4096), before), "the target memory changed");
                String status = ((RemoteAccessException) failure).status().name();
                if (!revoke) {
                    // As on verbs RC, the remote access error moved the connection to the error
                    // state: later operations are refused before posting, naming that failure.
                    expectThrows(ConnectionClosedException.class, "a new write after the remote access error",
                            () -> holder.write(src.slice(0, 8), r.slice(0, 8)));
                }
                return "IBV_WC_" + status + " at the peer, 4096 B unchanged"
                        + (revoke ? "" : "; the connection is then in error, later writes refused");
            }
        }

        void throughput() throws Exception {
            int size = 64 << 10;
            int depth = 16;
            LocalMr src = clientCtx.allocate((long) size * depth);
            src.fill(0, (long) size * depth, (byte) 0x42);
            Semaphore slots = new Semaphore(depth);
            AtomicReference<Throwable> error = new AtomicReference<>();
            long runNanos = (long) (seconds * 1e9);
            int slot = 0;
            long ops = 0;
            long start;
            try (Progress p = new Progress(err, progress, "throughput 64 KiB writes")) {
                start = System.nanoTime();
                long end = start + runNanos;
                long now = start;
                while (now < end && error.get() == null) {
                    if (!slots.tryAcquire(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new CheckFailed("no completion within " + TIMEOUT.toSeconds() + " s");
                    }
                    client.writeAsync(src.slice((long) slot * size, size), remote.slice(0, size)).whenComplete((v, t) -> {
                        if (t != null) {
                            error.compareAndSet(null, t);
                        }
                        slots.release();
                    });
                    slot = (slot + 1) % depth;
                    ops++;
                    now = System.nanoTime();
                    if ((ops & 63) == 0 && p.shown()) { // no detail string built while measuring unseen
                        double mbs = (double) ops * size / ((now - start) / 1e9) / 1e6;
                        p.update((double) (now - start) / runNanos, String.format(Locale.ROOT, "%.0f MB/s", mbs));
                    }
                }
                if (!slots.tryAcquire(depth, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new CheckFailed("writes did not complete within " + TIMEOUT.toSeconds() + " s");
                }
                p.update(1, "");
            }
            long elapsed = System.nanoTime() - start;
            src.close();
            if (error.get() != null) {
                failedChecks++;
                out.println("  \u2717 throughput run failed: " + Main.firstLine(unwrap(error.get()).toString()));
                return;
            }
            double secs = elapsed / 1e9;
            double mbs = (double) ops * size / secs / 1e6;
            String line = String.format(Locale.ROOT, "%.0f MB/s, %.1f k writes/s (64 KiB, %d in flight, %.1f s)",
                    mbs, ops / secs / 1e3, depth, secs);
            out.println("throughput: " + line);
            summary.add(new String[] {"write 64 KiB", line});
        }

        void latency() {
            LocalMr src = clientCtx.allocate(8);
            int max = 200_000;
            long[] samples = new long[max];
            int n = 0;
            long runNanos = (long) (seconds * 1e9 / 2);
            // warm-up: let the JIT compile the path before measuring
            for (int i = 0; i < 2000; i++) {
                client.write(src.slice(), remote.slice(0, 8));
            }
            try (Progress p = new Progress(err, progress, "latency 8 B writes     ")) {
                long start = System.nanoTime();
                long now = start;
                while (n < max && now - start < runNanos) {
                    src.putLong(0, n);
                    long t0 = System.nanoTime();
                    client.write(src.slice(), remote.slice(0, 8));
                    now = System.nanoTime();
                    samples[n++] = now - t0;
                    if ((n & 255) == 0 && p.shown()) {
                        p.update((double) (now - start) / runNanos, n + " round trips");
                    }
                }
                p.update(1, "");
            }
            src.close();
            LatencyStats s = LatencyStats.of(Arrays.copyOf(samples, n));
            String line = String.format(Locale.ROOT, "p50 %.1f us, p99 %.1f us, min %.1f us (%d round trips)",
                    s.median() / 1e3, s.p99() / 1e3, s.min() / 1e3, n);
            out.println("latency:    " + line);
            summary.add(new String[] {"write 8 B latency", line});
        }
    }
}

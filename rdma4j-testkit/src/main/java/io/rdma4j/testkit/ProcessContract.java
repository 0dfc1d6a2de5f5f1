package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Between two JVM processes: the peer is {@link PeerMain}, started with the same {@code java}
 * and the same class or module path as the tests. A data exchange of every kind works across
 * processes, and a peer killed with SIGKILL mid-transfer fails everything pending within the
 * operation timeout, leaking nothing.
 */
public abstract class ProcessContract extends ContractSupport {
    /** For a provider's subclass. */
    protected ProcessContract() {}

    private static final long REGION = (16L << 20) + 64;
    private final List<Process> peers = Collections.synchronizedList(new ArrayList<>());

    /**
     * JVM options of the peer and probe processes.
     *
     * @return by default a small heap, no core dumps, crash logs in the temporary directory, and native
     *     access for the class or module path
     */
    protected List<String> peerJvmOptions() {
        List<String> o = new ArrayList<>(List.of("-Xmx512m", "-XX:+UseSerialGC", "-Xshare:auto", "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "rdma4j-testkit-hs_err_pid%p.log")));
        o.add(usesModulePath() ? "--enable-native-access=io.rdma4j.ffi" : "--enable-native-access=ALL-UNNAMED");
        return o;
    }

    private static boolean usesModulePath() {
        String mp = System.getProperty("jdk.module.path");
        return mp != null && !mp.isBlank() && PeerMain.class.getModule().isNamed();
    }

    /**
     * A running peer.
     *
     * @param process its process
     * @param port where it listens
     * @param output everything it printed so far
     */
    protected record Peer(Process process, int port, ConcurrentLinkedQueue<String> output) {
        String log() {
            return String.join("\n", output);
        }
    }

    /**
     * Starts {@link PeerMain} in a new JVM and waits until it listens; killed when the test ends.
     *
     * @return the peer
     * @throws Exception when it cannot be started or does not get ready
     */
    protected Peer startPeer() throws Exception {
        Process p = startJvm(PeerMain.class, List.of(provider(), host(), Long.toString(REGION)));
        ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
        LinkedBlockingQueue<String> lines = drain(p, output);
        long deadline = System.nanoTime() + patience().toNanos();
        while (true) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                fail("the peer did not report READY within " + patience() + "\noutput:\n" + String.join("\n", output)
                        + (p.isAlive() ? "" : "\nexit status " + p.exitValue()));
            }
            if (line.startsWith("READY ")) {
                return new Peer(p, Integer.parseInt(line.substring(6).trim()), output);
            }
        }
    }

    /**
     * Starts a class in a new JVM with the same {@code java}, class or module path and {@code rdma4j.*}
     * properties; killed when the test ends.
     *
     * @param main the class with the {@code main} method
     * @param args its arguments
     * @return the process
     * @throws IOException when it cannot be started
     */
    protected Process startJvm(Class<?> main, List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(peerJvmOptions());
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("rdma4j.")) {
                cmd.add("-D" + k + "=" + System.getProperty(k));
            }
        }
        if (usesModulePath()) {
            cmd.addAll(List.of("-p", System.getProperty("jdk.module.path"), "--add-modules", "ALL-MODULE-PATH"));
            String cp = System.getProperty("java.class.path");
            if (cp != null && !cp.isBlank()) {
                cmd.addAll(List.of("-cp", cp));
            }
            cmd.addAll(List.of("-m", "io.rdma4j.testkit/" + main.getName()));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        }
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        peers.add(p);
        return p;
    }

    /** Collects a process's output in {@code output} and hands each line to the returned queue. */
    private static LinkedBlockingQueue<String> drain(Process p, ConcurrentLinkedQueue<String> output) {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("peer-output-" + p.pid()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    lines.add(line);
                }
            } catch (IOException e) {
                output.add("(reading the process's output failed: " + e + ")");
            }
        });
        return lines;
    }

    @AfterEach
    void killPeers() {
        for (Process p : peers) {
            p.destroyForcibly();
        }
        peers.clear();
    }

    private static void command(Connection c, LocalMr cmd, int op, long a, long b, long seed) {
        cmd.putInt(0, op);
        cmd.putLong(8, a);
        cmd.putLong(16, b);
        cmd.putLong(24, seed);
        c.send(cmd.slice(0, PeerMain.COMMAND_SIZE));
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void twoProcessesExchangeDataOfEveryKind() throws Exception {
        Peer peer = startPeer();
        RdmaContext ctx = openContext();
        Connection c = track(ctx.connect(new InetSocketAddress(host(), peer.port())));
        RemoteMr remote = c.acceptGrant();
        assertEquals(REGION, remote.length());
        LocalMr mem = allocate(ctx, REGION);
        LocalMr cmd = allocate(ctx, PeerMain.COMMAND_SIZE);
        LocalMr reply = allocate(ctx, 64);
        try {
            int[] sizes = {1, 7, 4097, (1 << 20) + 3, (int) Math.min(16L << 20, maxTransferSize())};
            for (int i = 0; i < sizes.length; i++) {
                int size = sizes[i];
                long ro = 1 + 2L * i;
                // WRITE here, checksum there
                byte[] data = Patterns.bytes(i, size);
                mem.put(5, data);
                c.write(mem.slice(5, size), remote.slice(ro, size));
                CompletableFuture<Received> r = c.receiveAsync(reply.slice(0, 8));
                command(c, cmd, PeerMain.CRC, ro, size, 0);
                assertEquals(8, await(r).byteLength());
                assertEquals(Patterns.crc(data, 0, size), reply.getLong(0), "CRC at the peer of a " + size + "-byte WRITE");
                // filled there, READ here
                r = c.receiveAsync(reply.slice(0, 8));
                command(c, cmd, PeerMain.FILL, ro + 3, size, 1000 + i);
                await(r);
                c.read(mem.slice(11, size), remote.slice(ro + 3, size));
                Patterns.assertHolds("READ of a " + size + "-byte range the peer filled", mem, 11, Patterns.bytes(1000 + i, size));
                // the peer WRITEs with immediate into a grant of ours
                mem.fill(0, REGION, (byte) 0);
                c.grant(mem, Access.REMOTE_WRITE, Duration.ofMinutes(1));
                r = c.receiveAsync(reply.slice(0, 8));
                command(c, cmd, PeerMain.PUSH, 9, size, 2000 + i);
                assertEquals(new Received(size, true, 2000 + i, true), await(r));
                Patterns.assertHolds("the peer's WRITE with immediate of " + size + " bytes", mem, 9, Patterns.bytes(2000 + i, size));
            }
            assertEquals(0, c.fetchAndAdd(remote.slice(REGION - 8, 8), 5));
            assertEquals(5, c.compareAndSwap(remote.slice(REGION - 8, 8), 5, 7));
            assertEquals(7, c.fetchAndAdd(remote.slice(REGION - 8, 8), 0));
            CompletableFuture<Received> bye = c.receiveAsync(reply.slice(0, 8));
            command(c, cmd, PeerMain.EXIT, 0, 0, 0);
            await(bye);
            assertTrue(peer.process().waitFor(patience().toMillis(), TimeUnit.MILLISECONDS), "the peer did not exit");
            assertEquals(0, peer.process().exitValue(), "the peer's exit status; output:\n" + peer.log());
            eventually("the connection notices the peer closed", () -> !c.isOpen());
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\npeer output:\n" + peer.log(), e);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aPeerKilledMidTransferFailsEverythingPendingWithinTheTimeout() throws Exception {
        Duration opTimeout = Duration.ofSeconds(15);
        Peer peer = startPeer();
        RdmaContext ctx = openContext(b -> b.operationTimeout(opTimeout).ackTimeout(Duration.ofMillis(500)).retryCount(3));
        Connection c = track(ctx.connect(new InetSocketAddress(host(), peer.port())));
        RemoteMr remote = c.acceptGrant();
        LocalMr mem = allocate(ctx, 8L << 20);
        mem.put(0, Patterns.bytes(1, 4 << 20));
        // the peer holds memory of ours it asked for: it must come back when the peer dies
        LocalMr cmd = allocate(ctx, PeerMain.COMMAND_SIZE);
        LocalMr reply = allocate(ctx, 8);
        CompletableFuture<Received> answered = c.receiveAsync(reply.slice());
        command(c, cmd, PeerMain.REQUEST, 1 << 20, 0, 0);
        await(answered);
        assertEquals(1 << 20, reply.getLong(0), "the peer's requestRemote");
        List<CompletableFuture<?>> all = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Received> neverAnswered = c.receiveAsync(mem.slice((8L << 20) - 64, 64));
        all.add(neverAnswered);
        CompletableFuture<RemoteMr> neverGranted = c.acceptGrantAsync();
        all.add(neverGranted);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean killedYet = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        List<Throwable> posterFailures = Collections.synchronizedList(new ArrayList<>());
        int chunk = 256 << 10;
        Thread poster = Thread.ofPlatform().name("poster").start(() -> {
            try {
                for (long k = 0; !stop.get(); k++) {
                    long off = (k % 16) * chunk;
                    CompletableFuture<?> f = switch ((int) (k % 3)) {
                        case 0 -> c.writeAsync(mem.slice(off, chunk), remote.slice(off, chunk));
                        // 256 distinct targets: with at most 64 in flight, no READ target is still lent when reused
                        case 1 -> c.readAsync(mem.slice((4L << 20) + (k / 3 % 256) * 16384, 16384),
                                remote.slice((4L << 20) + off, 16384));
                        default -> c.fetchAndAddAsync(remote.slice(REGION - 8, 8), 1);
                    };
                    f.whenComplete((v, e) -> done.incrementAndGet());
                    all.add(f);
                    while (all.size() - done.get() > 64 && !stop.get()) {
                        Thread.onSpinWait();
                    }
                }
            } catch (RdmaException e) {
                if (!killedYet.get()) {
                    posterFailures.add(e); // posting failed before the peer died
                }
            } catch (Throwable t) {
                posterFailures.add(t);
            }
        });
        eventually("transfers are under way", () -> done.get() >= 200 || !posterFailures.isEmpty());
        assertTrue(posterFailures.isEmpty(), "posting failed before the peer was killed: " + posterFailures);
        killedYet.set(true);
        peer.process().destroyForcibly(); // SIGKILL
        long killed = System.nanoTime();
        assertTrue(peer.process().waitFor(10, TimeUnit.SECONDS), "the peer did not die");
        Thread.sleep(100);
        stop.set(true);
        poster.join(opTimeout.toMillis());
        assertFalse(poster.isAlive(), "the posting thread hangs after the peer died");
        assertTrue(posterFailures.isEmpty(), "posting threw something other than an RdmaException: " + posterFailures);
        List<CompletableFuture<?>> snapshot;
        synchronized (all) {
            snapshot = new ArrayList<>(all);
        }
        int failed = 0;
        for (CompletableFuture<?> f : snapshot) {
            long left = killed + opTimeout.toNanos() - System.nanoTime();
            try {
                f.get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                failed++;
                assertInstanceOf(RdmaException.class, e.getCause(), "a pending operation failed with");
            } catch (TimeoutException e) {
                fail("an operation pending when the peer was killed did not complete within the operation timeout ("
                        + opTimeout + "): " + f + " (" + snapshot.size() + " operations posted)");
            }
        }
        assertTrue(neverAnswered.isCompletedExceptionally(), "the receive nobody answered");
        assertTrue(neverGranted.isCompletedExceptionally(), "acceptGrant with nobody granting");
        assertTrue(failed >= 2);
        assertFalse(c.isOpen(), "the connection to a dead peer still says it is open");
        assertEquals(137, peer.process().exitValue(), "SIGKILL's exit status");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aHungPeerFailsEverythingPendingWithRetryExceeded() throws Exception {
        Duration ack = Duration.ofMillis(500);
        int retries = 3;
        Duration opTimeout = Duration.ofSeconds(30);
        Peer peer = startPeer();
        RdmaContext ctx = openContext(b -> b.operationTimeout(opTimeout).ackTimeout(ack).retryCount(retries));
        Connection c = track(ctx.connect(new InetSocketAddress(host(), peer.port())));
        RemoteMr remote = c.acceptGrant();
        LocalMr mem = allocate(ctx, 4L << 20);
        c.write(mem.slice(0, 4096), remote.slice(0, 4096)); // the peer answers while it runs
        // SIGSTOP: the process and its sockets stay, but nothing answers any more
        Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(peer.process().pid())).inheritIO().start();
        assertEquals(0, stop.waitFor(), "kill -STOP failed");
        awaitStopped(peer.process());
        long stopped = System.nanoTime();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        pending.add(c.receiveAsync(mem.slice(3L << 20, 64)));
        for (int k = 0; k < 30; k++) {
            pending.add(switch (k % 3) {
                case 0 -> c.writeAsync(mem.slice(k * 65536L, 65536), remote.slice(k * 65536L, 65536));
                case 1 -> c.readAsync(mem.slice((2L << 20) + k * 16384L, 16384), remote.slice(k * 16384L, 16384));
                default -> c.fetchAndAddAsync(remote.slice(REGION - 8, 8), 1);
            });
        }
        // an RC requester gives up after its retries: ack timeout x (retries + 1), with slack for scheduling
        long bound = ack.toNanos() * (retries + 1) * 3 + TimeUnit.SECONDS.toNanos(5);
        Throwable first = null;
        for (int i = 0; i < pending.size(); i++) {
            CompletableFuture<?> f = pending.get(i);
            try {
                f.get(Math.max(1, stopped + bound - System.nanoTime()), TimeUnit.NANOSECONDS);
                fail("an operation completed although the peer was stopped: " + f);
            } catch (ExecutionException e) {
                assertInstanceOf(RdmaException.class, e.getCause());
                if (first == null && f != pending.getFirst()) {
                    first = e.getCause();
                }
            } catch (TimeoutException e) {
                fail("operation " + i + " of " + pending.size() + " (" + (i == 0 ? "the receive" : new String[] {"fetch-and-add", "WRITE", "READ"}[i % 3])
                        + ") to a hung peer did not fail within " + Duration.ofNanos(bound) + " (ack timeout " + ack + ", " + retries
                        + " retries); connection open: " + c.isOpen() + ", stats " + c.stats());
            }
        }
        assertInstanceOf(io.rdma4j.RetryExceededException.class, first,
                "the first operation to a hung peer fails as a verbs QP's does (IBV_WC_RETRY_EXC_ERR), not with " + first);
        assertFalse(c.isOpen());
    }

    /** Waits until every thread of a process is stopped (state T in /proc), so nothing it does races the test. */
    private void awaitStopped(Process p) throws Exception {
        Path task = Path.of("/proc", Long.toString(p.pid()), "task");
        if (!java.nio.file.Files.isDirectory(task)) {
            Thread.sleep(500); // no /proc: give the signal time
            return;
        }
        eventually("every thread of the peer is stopped", () -> {
            try (var threads = java.nio.file.Files.list(task)) {
                return threads.allMatch(t -> {
                    try {
                        String stat = java.nio.file.Files.readString(t.resolve("stat"));
                        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
                    } catch (IOException e) {
                        return true; // the thread is gone
                    }
                });
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aViewOpenWhenItsContextClosesNeverReachesFreedMemory() throws Exception {
        // run apart: if the view reaches freed memory the JVM may die of SIGSEGV
        Process p = startJvm(ProbeMain.class, List.of(provider(), "view-after-context-close"));
        ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
        drain(p, output);
        assertTrue(p.waitFor(patience().toMillis(), TimeUnit.MILLISECONDS), "the probe did not finish");
        p.waitFor();
        Thread.sleep(100); // the last lines
        String log = String.join("\n", output);
        assertEquals(0, p.exitValue(), "a MemoryView used after its RdmaContext closed"
                + (log.contains("SIGSEGV") ? " crashed the JVM with SIGSEGV (a use after free)" : "") + "; probe output:\n" + log);
        assertTrue(log.contains("OK"), log);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void closingUnderLoadNeverTouchesFreedMemory() throws Exception {
        Process p = startJvm(ProbeMain.class, List.of(provider(), "close-under-load", host()));
        ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
        drain(p, output);
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), "the probe did not finish: " + String.join("\n", output));
        Thread.sleep(100);
        String log = String.join("\n", output);
        assertEquals(0, p.exitValue(), "closing connections and regions under load"
                + (log.contains("SIGSEGV") ? " crashed the JVM with SIGSEGV (a use after free)" : "") + "; probe output:\n" + log);
        assertTrue(log.contains("OK"), log);
    }
}

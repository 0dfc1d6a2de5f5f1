package io.rdma4j.bench;

import io.rdma4j.Connection;
import io.rdma4j.LocalSlice;
import io.rdma4j.PollMode;
import io.rdma4j.RemoteSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * One measurement per run, one machine-readable line out, for {@code scripts/bench-tcp}:
 * <pre>
 *   LoopbackPerf rdma4j|socket bw|lat [--size N] [--seconds S] [--warmup S] [--window N] [--poll MODE] [--wait block|yield]
 * </pre>
 * <ul>
 *   <li>{@code rdma4j bw}: WRITEs of {@code size} bytes with {@code window} in flight over the tcp
 *       provider on loopback; counted when completed (data placed at the target);</li>
 *   <li>{@code socket bw}: blocking {@code SocketChannel.write} of {@code size} bytes to a
 *       draining reader thread; the clock stops when the reader has every byte;</li>
 *   <li>{@code rdma4j lat}: one WRITE, wait for its completion (write + ack), repeat; by default
 *       with the blocking {@code write}, {@code --wait yield} polls the future's state instead;</li>
 *   <li>{@code socket lat}: write {@code size} bytes, read the echo, repeat.</li>
 * </ul>
 * Latency lines give the round trip and half of it ({@code lat_*}), which is what ucx_perftest
 * and perftest report for their ping-pong tests. MB = 2^20 bytes.
 */
public final class LoopbackPerf {
    private static final double MB = 1 << 20;

    private LoopbackPerf() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage("need the implementation and the test");
        }
        String impl = args[0];
        String test = args[1];
        int size = test.equals("bw") ? 65536 : 8;
        double seconds = 5;
        double warmup = 2;
        int window = 4; // 256 KiB in flight at 64 KiB; see scripts/bench-tcp
        PollMode poll = PollMode.ADAPTIVE;
        boolean blocking = true;
        for (int i = 2; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing the value of " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--size" -> size = Integer.parseInt(v);
                case "--seconds" -> seconds = Double.parseDouble(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--window" -> window = Integer.parseInt(v);
                case "--poll" -> poll = PollMode.valueOf(v.toUpperCase(Locale.ROOT));
                case "--wait" -> blocking = switch (v) {
                    case "block" -> true;
                    case "yield" -> false;
                    default -> {
                        usage("--wait takes block or yield");
                        yield true;
                    }
                };
                default -> usage("unknown option " + a);
            }
        }
        String line = switch (impl + " " + test) {
            case "rdma4j bw" -> rdma4jBandwidth(size, window, poll, warmup, seconds);
            case "rdma4j lat" -> rdma4jLatency(size, poll, blocking, warmup, seconds);
            case "socket bw" -> socketBandwidth(size, warmup, seconds);
            case "socket lat" -> socketLatency(size, warmup, seconds);
            default -> {
                usage("unknown implementation/test: " + impl + " " + test);
                yield null;
            }
        };
        System.out.println(line);
        System.exit(0); // pollers and loops are daemons, but do not wait for stragglers
    }

    private static void usage(String why) {
        System.err.println("LoopbackPerf: " + why);
        System.err.println("usage: LoopbackPerf rdma4j|socket bw|lat [--size N] [--seconds S] [--warmup S] [--window N] [--poll BUSY|ADAPTIVE|EVENT] [--wait block|yield]");
        System.exit(2);
    }

    // ------------------------------------------------------------------ bandwidth

    static String rdma4jBandwidth(int size, int window, PollMode poll, double warmup, double seconds) {
        try (Loopback pair = new Loopback("tcp", poll, Math.max(size, 4096))) {
            Connection c = pair.connection;
            LocalSlice src = pair.source.slice(0, size);
            RemoteSlice dst = pair.remote.slice(0, size);
            CompletableFuture<?>[] ring = new CompletableFuture<?>[window];
            long[] result = new long[2];
            for (int phase = 0; phase < 2; phase++) {
                long deadline = System.nanoTime() + (long) ((phase == 0 ? warmup : seconds) * 1e9);
                long ops = 0;
                long start = System.nanoTime();
                int i = 0;
                while (true) {
                    CompletableFuture<?> old = ring[i];
                    if (old != null) {
                        Loopback.await(old);
                        ops++;
                        ring[i] = null;
                    }
                    if (System.nanoTime() - deadline >= 0) {
                        break;
                    }
                    ring[i] = c.writeAsync(src, dst);
                    i = i + 1 == window ? 0 : i + 1;
                }
                for (int k = 0; k < window; k++) { // drain: every counted byte is placed
                    if (ring[k] != null) {
                        Loopback.await(ring[k]);
                        ring[k] = null;
                        ops++;
                    }
                }
                result[0] = ops;
                result[1] = System.nanoTime() - start;
            }
            return bwLine("rdma4j", size, result[0], result[1], "window=" + window + " poll=" + poll);
        }
    }

    static String socketBandwidth(int size, double warmup, double seconds) throws IOException {
        try (SocketPair pair = new SocketPair(SocketPair.Role.DRAIN, Math.max(size, 65536))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(size);
            long[] result = new long[2];
            long sent = 0;
            for (int phase = 0; phase < 2; phase++) {
                long deadline = System.nanoTime() + (long) ((phase == 0 ? warmup : seconds) * 1e9);
                long base = sent;
                // start the clock once the reader has everything of the warm-up
                while (pair.received.get() < sent) {
                    Thread.onSpinWait();
                }
                long start = System.nanoTime();
                long ops = 0;
                while (System.nanoTime() - deadline < 0) {
                    buf.clear();
                    SocketPair.writeFully(pair.client, buf);
                    ops++;
                    sent += size;
                }
                while (pair.received.get() < sent) {
                    Thread.yield();
                }
                result[0] = ops;
                result[1] = System.nanoTime() - start;
                if (sent - base != ops * size) {
                    throw new IllegalStateException("miscounted");
                }
            }
            return bwLine("socket", size, result[0], result[1], "blocking TCP_NODELAY");
        }
    }

    private static String bwLine(String impl, int size, long ops, long nanos, String note) {
        double secs = nanos / 1e9;
        double mbps = ops * (double) size / MB / secs;
        return String.format(Locale.ROOT, "RESULT impl=%s test=bw size=%d ops=%d seconds=%.3f MBps=%.1f Mops=%.4f note=\"%s\"",
                impl, size, ops, secs, mbps, ops / secs / 1e6, note);
    }

    // ------------------------------------------------------------------ latency

    /**
     * @param blocking wait with the blocking {@code write} (the caller parks until the poller
     *     completes it) rather than {@code writeAsync} and yielding until the future is done
     */
    static String rdma4jLatency(int size, PollMode poll, boolean blocking, double warmup, double seconds) {
        try (Loopback pair = new Loopback("tcp", poll, 4096)) {
            Connection c = pair.connection;
            LocalSlice src = pair.source.slice(0, size);
            RemoteSlice dst = pair.remote.slice(0, size);
            long[] samples = new long[4_000_000];
            int n = 0;
            for (int phase = 0; phase < 2; phase++) {
                long deadline = System.nanoTime() + (long) ((phase == 0 ? warmup : seconds) * 1e9);
                n = 0;
                long t0 = System.nanoTime();
                while (t0 - deadline < 0 && n < samples.length) {
                    if (blocking) {
                        c.write(src, dst);
                    } else {
                        Loopback.await(c.writeAsync(src, dst));
                    }
                    long t1 = System.nanoTime();
                    samples[n++] = t1 - t0;
                    t0 = t1;
                }
            }
            return latLine("rdma4j", size, samples, n, "write+ack poll=" + poll + (blocking ? " blocking write" : " writeAsync+yield"));
        }
    }

    static String socketLatency(int size, double warmup, double seconds) throws IOException {
        try (SocketPair pair = new SocketPair(SocketPair.Role.ECHO, size)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(size);
            long[] samples = new long[4_000_000];
            int n = 0;
            for (int phase = 0; phase < 2; phase++) {
                long deadline = System.nanoTime() + (long) ((phase == 0 ? warmup : seconds) * 1e9);
                n = 0;
                long t0 = System.nanoTime();
                while (t0 - deadline < 0 && n < samples.length) {
                    buf.clear();
                    SocketPair.writeFully(pair.client, buf);
                    buf.clear();
                    SocketPair.readFully(pair.client, buf);
                    long t1 = System.nanoTime();
                    samples[n++] = t1 - t0;
                    t0 = t1;
                }
            }
            return latLine("socket", size, samples, n, "blocking echo TCP_NODELAY");
        }
    }

    private static String latLine(String impl, int size, long[] samples, int n, String note) {
        long[] s = Arrays.copyOf(samples, n);
        Arrays.sort(s);
        double median = s[n / 2] / 1e3;
        double min = s[0] / 1e3;
        double p99 = s[Math.min(n - 1, (int) (n * 0.99))] / 1e3;
        return String.format(Locale.ROOT,
                "RESULT impl=%s test=lat size=%d iters=%d rtt_typical_us=%.3f rtt_min_us=%.3f rtt_p99_us=%.3f"
                        + " lat_typical_us=%.3f lat_min_us=%.3f note=\"%s\"",
                impl, size, n, median, min, p99, median / 2, min / 2, note);
    }
}

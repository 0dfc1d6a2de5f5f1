package io.rdma4j.cli.perf;

import io.rdma4j.Access;
import io.rdma4j.Batch;
import io.rdma4j.Connection;
import io.rdma4j.ConnectionException;
import io.rdma4j.LocalMr;
import io.rdma4j.LocalSlice;
import io.rdma4j.PollMode;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import io.rdma4j.RemoteSlice;
import io.rdma4j.cli.Json;
import io.rdma4j.cli.Main;
import io.rdma4j.cli.Progress;
import io.rdma4j.cli.UsageException;
import io.rdma4j.cli.VersionCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rdma4j perf}: perftest's tests, flags and output columns over rdma4j. Without a host it
 * is the server: it waits for one client, grants it memory, takes part where the test needs it
 * (ping-pong latency, receives for SEND tests) and prints the client's results. With a host it is
 * the client: it runs the test and prints perftest's lines as each size finishes.
 */
@Command(name = "perf", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class, sortOptions = false,
        description = {"perftest-compatible benchmarks: write_bw, read_bw, send_bw, write_lat, read_lat, send_lat, atomic_lat.",
                "Without HOST this is the server (waits for one client); with HOST the client.",
                "bw columns: #bytes #iterations BW peak[MB/sec] BW average[MB/sec] MsgRate[Mpps] (MB = 2^20 bytes);",
                "lat columns: #bytes #iterations t_min t_max t_typical t_avg t_stdev 99%% 99.9%% [usec]",
                "(write_lat and send_lat report half the round trip, read_lat and atomic_lat all of it, as perftest)."})
public final class PerfCommand implements Callable<Integer> {
    /** perftest's default TCP port for the exchange. */
    public static final int DEFAULT_PORT = 18515;
    /** perftest's largest size for {@code -a}. */
    static final int MAX_SWEEP_SIZE = 8 << 20;
    /** Local memory the client uses for outstanding READs or the server for posted receives. */
    static final long WINDOW_BYTES = 64L << 20;
    static final Duration LEASE = Duration.ofHours(1);
    /** The most inline data -I may ask for: the verbs provider's own limit on what it asks a device for. */
    static final int MAX_INLINE_SIZE = 4096;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TEST", converter = TestConverter.class,
            description = "write_bw, read_bw, send_bw, write_lat, read_lat, send_lat or atomic_lat")
    PerfTest test;

    @Parameters(index = "1", arity = "0..1", paramLabel = "HOST", description = "The server to connect to; none: be the server.")
    String host;

    @Option(names = {"-s", "--size"}, paramLabel = "BYTES", converter = SizeConverter.class,
            description = "Message size (default: 65536 for bw, 2 for lat, 8 for atomic_lat); K, M suffixes allowed.")
    Long size;

    @Option(names = {"-n", "--iters"}, paramLabel = "N", description = "Iterations per size (default: 5000 for bw, 1000 for lat).")
    Integer iterations;

    @Option(names = {"-a", "--all"}, description = "Run sizes from 2 bytes to 8 MiB (powers of two).")
    boolean all;

    @Option(names = {"-d", "--ib-dev"}, paramLabel = "DEVICE", description = "Device to use (default: the provider's first).")
    String device;

    @Option(names = {"-i", "--ib-port"}, paramLabel = "PORT", defaultValue = "1", description = "Device port (default: ${DEFAULT-VALUE}).")
    int ibPort;

    @Option(names = {"-x", "--gid-index"}, paramLabel = "INDEX", description = "GID index (default: chosen by the provider).")
    Integer gidIndex;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "" + DEFAULT_PORT,
            description = "TCP port of the server (default: ${DEFAULT-VALUE}, as perftest).")
    int port;

    @Option(names = {"-t", "--tx-depth"}, paramLabel = "N", description = "Operations outstanding (default: 128 for bw, 1 for lat).")
    Integer txDepth;

    @Option(names = {"-l", "--post_list"}, paramLabel = "N",
            description = "Bandwidth tests: work requests posted together as one batch (default: tx-depth / 8, 1..16).")
    Integer postList;

    @Option(names = {"-I", "--inline_size"}, paramLabel = "BYTES",
            description = "Verbs: WRITEs and SENDs up to this size go inline in the work request (0: none; default: the"
                    + " provider's, 220, or -Drdma4j.verbs.maxInlineData). perftest posts none on devices it does not"
                    + " know, Soft-RoCE among them: -I 0 compares like for like there.")
    Integer inlineSize;

    @Option(names = {"-F", "--CPU-freq"}, description = "Accepted for perftest compatibility; rdma4j measures with System.nanoTime, not cycles.")
    boolean cpuFreq;

    @Option(names = "--provider", paramLabel = "NAME", description = "auto, tcp, verbs, ... (default: auto).")
    String provider;

    @Option(names = {"-e", "--events"}, description = "Sleep on completion events instead of polling (as perftest's -e): --poll event.")
    boolean events;

    @Option(names = "--poll", paramLabel = "MODE", converter = PollModeConverter.class,
            description = "How completions are waited for: busy (the waiting thread polls until done, as perftest),"
                    + " adaptive (default: polls a while on verbs, then sleeps) or event.")
    PollMode pollMode;

    @Option(names = "--json", description = "Print the results as JSON on stdout (the banner goes to stderr).")
    boolean json;

    @Option(names = "--svg", paramLabel = "FILE", description = "With -a: write a chart of bandwidth and latency against size.")
    Path svg;

    @Option(names = "--progress", description = "Show progress even when stderr is not a terminal.")
    boolean progress;

    @Option(names = "--verbose", description = "Show stack traces on failure, and (on stderr, in JVM uptime) when the warm-up ended and the measurement began and ended.")
    boolean verbose;

    private PrintWriter out;
    private PrintWriter err;
    /** Where banners and tables go: stdout, or stderr under --json. */
    private PrintWriter text;

    /** Parses TEST for picocli, so an unknown test is a usage error naming the tests. */
    static final class TestConverter implements CommandLine.ITypeConverter<PerfTest> {
        @Override
        public PerfTest convert(String value) {
            try {
                return PerfTest.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses --poll, so a bad mode is a usage error naming the modes. */
    static final class PollModeConverter implements CommandLine.ITypeConverter<PollMode> {
        @Override
        public PollMode convert(String value) {
            try {
                return PollMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("unknown poll mode '" + value + "'; one of busy, adaptive, event");
            }
        }
    }

    /** Sizes like perftest's plus K/M/G suffixes. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            long mult = 1;
            if (v.endsWith("K") || v.endsWith("M") || v.endsWith("G")) {
                mult = switch (v.charAt(v.length() - 1)) {
                    case 'K' -> 1L << 10;
                    case 'M' -> 1L << 20;
                    default -> 1L << 30;
                };
                v = v.substring(0, v.length() - 1);
            }
            try {
                return Math.multiplyExact(Long.parseLong(v), mult);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a size in bytes (e.g. 65536 or 64K)");
            }
        }
    }

    /** What client and server agree on: sent by the client in its hello. */
    record Plan(PerfTest test, long[] sizes, int iterations, int[] warmups, int txDepth) {
        long maxSize() {
            long m = 8;
            for (long s : sizes) {
                m = Math.max(m, s);
            }
            return m;
        }

        long totalOps() {
            long t = 0;
            for (int w : warmups) {
                t += w + iterations;
            }
            return t;
        }

        Map<String, String> encode() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("type", "hello");
            m.put("test", test.label());
            m.put("sizes", join(sizes));
            m.put("iterations", Integer.toString(iterations));
            m.put("warmups", join(warmups));
            m.put("txDepth", Integer.toString(txDepth));
            return m;
        }

        static Plan decode(Map<String, String> m) {
            try {
                PerfTest t = PerfTest.parse(m.getOrDefault("test", "?"));
                long[] sizes = java.util.Arrays.stream(m.get("sizes").split(",")).mapToLong(Long::parseLong).toArray();
                int[] warm = java.util.Arrays.stream(m.get("warmups").split(",")).mapToInt(Integer::parseInt).toArray();
                int it = Integer.parseInt(m.get("iterations"));
                int tx = Integer.parseInt(m.get("txDepth"));
                if (sizes.length == 0 || sizes.length != warm.length || it < 1 || tx < 1
                        || java.util.Arrays.stream(sizes).anyMatch(s -> s < 1 || s > (1L << 30))) {
                    throw new IllegalArgumentException("inconsistent plan " + m);
                }
                return new Plan(t, sizes, it, warm, tx);
            } catch (RuntimeException e) {
                throw new UsageException("the client's hello is malformed: " + e.getMessage(), e);
            }
        }

        private static String join(long[] a) {
            return String.join(",", java.util.Arrays.stream(a).mapToObj(Long::toString).toList());
        }

        private static String join(int[] a) {
            return String.join(",", java.util.Arrays.stream(a).mapToObj(Integer::toString).toList());
        }
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        text = json ? err : out;
        validate();
        RdmaOptions options = options();
        return host == null ? server(options) : client(options);
    }

    private void validate() {
        if (port < 1 || port > 65535) {
            throw new UsageException("-p/--port must be 1..65535, was " + port);
        }
        if (ibPort < 1) {
            throw new UsageException("-i/--ib-port must be >= 1, was " + ibPort);
        }
        if (gidIndex != null && gidIndex < 0) {
            throw new UsageException("-x/--gid-index must be >= 0, was " + gidIndex);
        }
        if (events && pollMode != null && pollMode != PollMode.EVENT) {
            throw new UsageException("-e/--events means --poll event; it contradicts --poll " + pollMode.name().toLowerCase(Locale.ROOT));
        }
        if (inlineSize != null && (inlineSize < 0 || inlineSize > MAX_INLINE_SIZE)) {
            throw new UsageException("-I/--inline_size must be 0.." + MAX_INLINE_SIZE + " bytes, was " + inlineSize);
        }
        if (iterations != null && iterations < 5) {
            throw new UsageException("-n/--iters must be at least 5, was " + iterations);
        }
        if (txDepth != null && (txDepth < 1 || txDepth > 4096)) {
            throw new UsageException("-t/--tx-depth must be 1..4096, was " + txDepth);
        }
        if (size != null && (size < 1 || size > (1L << 30))) {
            throw new UsageException("-s/--size must be 1 byte .. 1 GiB, was " + size);
        }
        if (size != null && all) {
            throw new UsageException("-s and -a exclude each other: -a runs every size from 2 B to 8 MiB");
        }
        if (test == PerfTest.ATOMIC_LAT && (all || (size != null && size != 8))) {
            throw new UsageException("atomic_lat always moves 8 bytes; drop -s/-a");
        }
        if (svg != null && !all) {
            throw new UsageException("--svg draws a sweep over sizes: add -a");
        }
        if (svg != null && host == null) {
            throw new UsageException("--svg is written by the client (the side given a HOST)");
        }
        if (postList != null && (postList < 1 || postList > txDepth())) {
            throw new UsageException("-l/--post_list must be 1..tx-depth (" + txDepth() + "), was " + postList);
        }
        if (!test.bandwidth() && postList != null && postList != 1) {
            throw new UsageException(test.label() + " posts one operation at a time; -l applies to bandwidth tests");
        }
        if (!test.bandwidth() && txDepth != null && txDepth != 1) {
            throw new UsageException(test.label() + " keeps one operation outstanding; -t applies to bandwidth tests");
        }
    }

    private RdmaOptions options() {
        RdmaOptions.Builder b = RdmaOptions.builder();
        if (provider != null) {
            b.provider(provider);
        }
        int tx = txDepth();
        int sq = Math.max(128, tx);
        int rq = 512;
        b.pollMode(pollMode());
        b.device(device).port(ibPort).gidIndex(gidIndex == null ? -1 : gidIndex)
                .sendQueueDepth(sq).receiveQueueDepth(rq).completionQueueSize(Math.max(8192, 2 * (sq + rq)))
                .operationTimeout(Duration.ofSeconds(60)).connectTimeout(Duration.ofSeconds(10))
                .rnrDelay(Duration.ofNanos(10_000))
                .maxLease(LEASE);
        if (inlineSize != null) {
            b.properties(Map.of("maxInlineData", inlineSize.toString())); // read by the verbs provider only
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }

    /**
     * The poll mode from -e or --poll. Adaptive by default, not busy as perftest: on verbs the
     * waiting thread polls the CQ itself in adaptive mode too, for up to 2 ms, then sleeps, so a
     * long wait does not hold a CPU that rxe (on the 2-vCPU Soft-RoCE guest) needs. Busy pays on
     * machines with cores to spare.
     */
    PollMode pollMode() {
        if (events) {
            return PollMode.EVENT;
        }
        return pollMode != null ? pollMode : PollMode.ADAPTIVE;
    }

    /** Work requests per batch in bandwidth tests. */
    int postList() {
        return postList != null ? postList : Math.clamp(txDepth() / 8, 1, 16);
    }

    private int txDepth() {
        return txDepth != null ? txDepth : test.defaultTxDepth();
    }

    /** Calls of the hot path in a bandwidth test's first warm-up: post lists (see {@link #warmups}). */
    static final int BANDWIDTH_WARM_CALLS = 20_000;

    /**
     * Operations in a latency test's first warm-up (see {@link #warmups}). 100000 rather than
     * 20000: in the Soft-RoCE guest, 3 interleaved rounds with perftest in one boot
     * (2026-12-05), typical us 20000 -> 100000: atomic_lat 23.3 -> 22.4, 23.0 -> 21.7,
     * 20.3 -> 20.0; read_lat 47.6 -> 42.8, 47.5 -> 45.4, 47.4 -> 42.7. The extra 80000
     * operations take 2-4 s there, well under a second on a NIC.
     */
    static final int LATENCY_WARM_CALLS = 100_000;

    /** The largest message a bandwidth test's first warm-up moves (see {@link #warmups}). */
    static final long WARM_MESSAGE_BYTES = 256;

    /**
     * Operations per call of a latency test's warm-up: small, so that its 100000 operations are
     * thousands of calls and HotSpot compiles the timed method itself (see warmThenMeasure).
     */
    static final int WARM_CALL_OPS = 8;

    /**
     * The last operations of a latency test's first warm-up, run after the JIT wait rather than
     * before it, so that the measured run follows operations as perftest's does instead of
     * the wait's idle second. In the Soft-RoCE guest (2026-12-06, paired rounds over three
     * boots) read_lat measured 0.82 of the runs without (5 rounds, each better); atomic_lat
     * about the same (median 0.97 over 14 rounds): its slow runs (40-58 us typical against
     * 23-30) came with and without, and to perftest too. The counts the server follows do
     * not change.
     */
    static final int RESUME_OPS = 2000;

    /** The message size of a bandwidth test's first warm-up, for a run of {@code size}-byte messages. */
    static long warmMessage(long size) {
        return Math.min(size, WARM_MESSAGE_BYTES);
    }

    /**
     * Warm-up operations per size. The first size warms the JIT; later ones only refill the
     * pipeline. HotSpot compiles a method with C2 after 5000-15000 calls, and the hot path is
     * called once per operation in the latency tests but once per post list in the bandwidth
     * tests, so the first size runs 20000 post lists, or 100000 operations (which reach C2 code
     * more surely; see {@link #LATENCY_WARM_CALLS}).
     * A latency test's warm-up moves at most 256 MiB; a bandwidth test's first warm-up moves
     * messages of at most {@link #WARM_MESSAGE_BYTES} (the code path does not depend on the
     * size), so a 64 KiB run is measured on C2 code too instead of compiling during the measured
     * run. Under the Soft-RoCE guest's emulator atomic_lat 8 B typical was 478 us after 3000
     * operations and 180 us after 23000; the 64 B write rate (lists of 16) was 0.014-0.017 Mpps
     * after 20000 operations and 0.041-0.052 after 20000 lists (320000 operations; perftest
     * 0.057-0.058); write_bw 64 KiB warmed by 256 lists of 64 KiB ran with 60-70 s of JIT
     * compilation in its JVM (-XX:+CITime) and reached 0.75 of perftest, 0.86 with C1 only.
     */
    static int[] warmups(PerfTest test, long[] sizes, int txDepth, int postList) {
        int[] warm = new int[sizes.length];
        int perCall = test.bandwidth() ? Math.max(1, postList) : 1;
        for (int i = 0; i < sizes.length; i++) {
            long budget = i == 0 ? 256L << 20 : 16L << 20;
            long moved = i == 0 && test.bandwidth() ? warmMessage(sizes[i]) : sizes[i];
            int cap = i == 0 ? (test.bandwidth() ? BANDWIDTH_WARM_CALLS * perCall : LATENCY_WARM_CALLS)
                    : (test.bandwidth() ? 2 * txDepth : 20);
            int floor = i == 0 ? (test.bandwidth() ? Math.min(txDepth, 16) : 10) : 2;
            warm[i] = Math.clamp(budget / moved, floor, Math.max(floor, cap));
        }
        return warm;
    }

    /** The plan from the flags: sizes, iterations, warm-up per size (the first size warms the JIT). */
    Plan plan() {
        long[] sizes;
        if (test == PerfTest.ATOMIC_LAT) {
            sizes = new long[] {8};
        } else if (all) {
            sizes = new long[23];
            for (int i = 0; i < 23; i++) {
                sizes[i] = 2L << i;
            }
        } else {
            sizes = new long[] {size != null ? size : test.defaultSize()};
        }
        int n = iterations != null ? iterations : test.defaultIterations();
        int tx = txDepth();
        int[] warm = warmups(test, sizes, tx, Math.min(postList(), tx));
        return new Plan(test, sizes, n, warm, tx);
    }

    // ------------------------------------------------------------------ client

    private int client(RdmaOptions options) throws Exception {
        Plan plan = plan();
        InetSocketAddress addr = new InetSocketAddress(host, port);
        if (addr.isUnresolved()) {
            throw new UsageException("unknown host '" + host + "'");
        }
        try (RdmaContext ctx = Rdma.open(options)) {
            Connection conn;
            try {
                conn = ctx.connect(addr);
            } catch (ConnectionException e) {
                throw new UsageException("cannot reach an rdma4j perf server at " + host + ":" + port + ": "
                        + Main.describe(e) + " (start `rdma4j perf " + test.label() + "` there first)", e);
            }
            try (conn; PerfWire wire = new PerfWire(ctx, conn)) {
                wire.postReceive();
                wire.send(plan.encode());
                Map<String, String> reply = wire.take();
                if (!"ok".equals(reply.get("type"))) {
                    throw new UsageException("the server refused: " + reply.getOrDefault("error", String.valueOf(reply)));
                }
                RemoteMr remote = conn.acceptGrant();
                int rxDepth = Integer.parseInt(reply.getOrDefault("rxDepth", "1"));
                banner(ctx, plan, "client", conn.remoteAddress().toString());
                List<PerfResult> results = new ArrayList<>();
                try (ClientRun run = new ClientRun(ctx, conn, remote, plan, rxDepth)) {
                    text.println(PerfResult.RULE);
                    text.println(test.bandwidth() ? PerfResult.BW_HEADER : PerfResult.LAT_HEADER);
                    text.flush();
                    for (int i = 0; i < plan.sizes().length; i++) {
                        PerfResult r = run.size(i);
                        results.add(r);
                        run.progressBar.close(); // clear the progress line before the table line
                        text.println(r.line());
                        text.flush();
                    }
                    text.println(PerfResult.RULE);
                    text.flush();
                }
                wire.postReceive();
                Map<String, String> res = new LinkedHashMap<>();
                res.put("type", "results");
                StringBuilder lines = new StringBuilder();
                for (PerfResult r : results) {
                    lines.append(lines.isEmpty() ? "" : ";").append(r.encode());
                }
                res.put("results", lines.toString());
                wire.send(res);
                wire.take(); // bye: the server has what it prints
                if (json) {
                    out.println(Json.write(jsonReport(ctx, plan, "client", results)));
                    out.flush();
                }
                if (svg != null) {
                    writeSvg(ctx, results);
                }
            }
        }
        return Main.OK;
    }

    private void writeSvg(RdmaContext ctx, List<PerfResult> results) throws IOException {
        String title = test.label() + " over " + ctx.provider() + " (" + ctx.device() + "), rdma4j "
                + VersionCommand.rdma4jVersion();
        Path parent = svg.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(svg, Svg.chart(title, results), StandardCharsets.UTF_8);
        err.println("chart written to " + svg);
        err.flush();
    }

    private Map<String, Object> jsonReport(RdmaContext ctx, Plan plan, String role, List<PerfResult> results) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("test", test.label());
        m.put("role", role);
        m.put("provider", ctx.provider());
        m.put("device", ctx.device());
        m.put("iterations", plan.iterations());
        m.put("tx_depth", plan.txDepth());
        m.put("poll", pollMode().name().toLowerCase(Locale.ROOT));
        m.put("inline_size", inlineSize); // null: the provider's default
        m.put("mb", "2^20 bytes");
        m.put("latency", test.bandwidth() ? null : test.pingPong() ? "half round trip" : "round trip");
        m.put("rdma4j", VersionCommand.rdma4jVersion());
        m.put("results", results.stream().map(PerfResult::toJson).toList());
        return m;
    }

    private void banner(RdmaContext ctx, Plan plan, String role, String peer) {
        String name = switch (test) {
            case WRITE_BW -> "RDMA_Write BW Test";
            case READ_BW -> "RDMA_Read BW Test";
            case SEND_BW -> "Send BW Test";
            case WRITE_LAT -> "RDMA_Write Latency Test";
            case READ_LAT -> "RDMA_Read Latency Test";
            case SEND_LAT -> "Send Latency Test";
            case ATOMIC_LAT -> "Atomic FETCH_AND_ADD Latency Test";
        };
        text.println(PerfResult.RULE);
        text.println(" ".repeat(Math.max(0, (87 - name.length()) / 2)) + name);
        text.printf(Locale.ROOT, " Provider        : %s%n", ctx.provider());
        text.printf(Locale.ROOT, " Device          : %s%n", ctx.device());
        text.printf(Locale.ROOT, " Role            : %s, peer %s%n", role, peer);
        text.printf(Locale.ROOT, " Number of qps   : 1\t\tTransport type : RC%n");
        text.printf(Locale.ROOT, " TX depth        : %d%n", plan.txDepth());
        text.printf(Locale.ROOT, " Completions     : %s%n", pollMode().name().toLowerCase(Locale.ROOT) + " polling");
        if (inlineSize != null) {
            text.printf(Locale.ROOT, " Max inline data : %d[B] asked of the device%s%n", inlineSize,
                    ctx.provider().equals("verbs") ? "" : " (-I applies to verbs; " + ctx.provider() + " ignores it)");
        }
        if (test.bandwidth() && role.equals("client")) {
            text.printf(Locale.ROOT, " Post list       : %d%n", Math.min(postList(), plan.txDepth()));
        }
        text.printf(Locale.ROOT, " Iterations      : %d (after %d warm-up for the first size)%n", plan.iterations(), plan.warmups()[0]);
        text.printf(Locale.ROOT, " Timer           : System.nanoTime%s%n", cpuFreq ? " (-F has no effect)" : "");
        text.flush();
    }

    /** The client's side of a run: memory sized once for the largest message. */
    private final class ClientRun implements AutoCloseable {
        final RdmaContext ctx;
        final Connection conn;
        final RemoteMr remote;
        final Plan plan;
        final LocalMr buf;
        /** write_lat: where the server's replies land (granted to it); send_lat: the receive buffer. */
        final LocalMr inbox;
        byte seq;
        /** The operation of the first size before which the run waits for the JIT; -1 once done or for later sizes. */
        int settleAt = -1;
        long opsDone;
        final Progress progressBar;

        ClientRun(RdmaContext ctx, Connection conn, RemoteMr remote, Plan plan, int rxDepth) {
            this.ctx = ctx;
            this.conn = conn;
            this.remote = remote;
            this.plan = plan;
            long max = plan.maxSize();
            long bufBytes = test == PerfTest.READ_BW ? Math.max(max, Math.min(WINDOW_BYTES, max * plan.txDepth())) : max;
            this.buf = ctx.allocate(bufBytes, 4096);
            this.inbox = test.pingPong() ? ctx.allocate(max, 4096) : null;
            if (test == PerfTest.WRITE_LAT) {
                conn.grant(inbox, Access.REMOTE_WRITE, LEASE);
            }
            this.progressBar = new Progress(err, progress, test.label());
        }

        void tick() {
            tick(1);
        }

        void tick(int ops) {
            long before = opsDone;
            opsDone += ops;
            if ((before >>> 8) != (opsDone >>> 8) && progressBar.shown()) { // no detail string built while measuring unseen
                progressBar.update((double) opsDone / plan.totalOps(), opsDone + " ops");
            }
        }

        PerfResult size(int index) throws Exception {
            long s = plan.sizes()[index];
            int warm = plan.warmups()[index];
            int n = plan.iterations();
            settleAt = index == 0 ? warm : -1; // the first size warms the JIT; measure once it is quiet
            return switch (test) {
                case WRITE_BW, READ_BW, SEND_BW -> bandwidth(s, warm, n);
                case READ_LAT, ATOMIC_LAT -> roundTrips(s, warm, n);
                case WRITE_LAT -> writePingPong(s, warm, n);
                case SEND_LAT -> sendPingPong(s, warm, n);
            };
        }

        /**
         * tx-depth operations outstanding, posted in batches of {@code -l} (one doorbell, one
         * completion report per batch: perftest moderates completions the same way); posted and
         * completed times of each measured operation, a batch's operations sharing the batch's.
         * The batches are built once and resubmitted, reporting to one handler, so the loop
         * allocates nothing per operation.
         */
        private PerfResult bandwidth(long s, int warm, int n) {
            int depth = plan.txDepth();
            int slots = test == PerfTest.READ_BW ? (int) Math.max(1, Math.min(depth, buf.size() / s)) : 1;
            depth = test == PerfTest.READ_BW ? Math.min(depth, slots) : depth;
            int list = Math.min(postList(), depth);
            BandwidthRing ring = new BandwidthRing(depth / list, warm, n);
            for (int b = 0; b < ring.batches.length; b++) {
                ring.batches[b] = fill(conn.batch(), s, b * list, list, slots);
            }
            // The first size warms up on small messages (see warmups): its own batches, swapped
            // for the measured ones once they are drained
            long ws = settleAt >= 0 ? warmMessage(s) : s;
            Batch[] batches = ring.batches;
            if (ws != s) {
                batches = new Batch[ring.batches.length];
                for (int b = 0; b < batches.length; b++) {
                    batches[b] = fill(conn.batch(), ws, b * list, list, slots);
                }
            }
            int total = warm + n;
            int b = 0;
            for (int i = 0; i < total; ) {
                if (i >= settleAt && settleAt >= 0) { // warm-up done: drain, let the JIT finish, then measure
                    for (Batch w : batches) {
                        w.await();
                    }
                    ring.check();
                    phase("warm-up done");
                    settle();
                    phase("measuring");
                    batches = ring.batches;
                    b = 0;
                }
                boolean warming = batches != ring.batches;
                int k = Math.min(list, (warming ? warm : total) - i); // a warm-up batch carries no measured operation
                Batch batch = batches[b];
                batch.await(); // the oldest: polls on this thread where the provider allows, as perftest's one thread does
                ring.check();
                if (k < list) { // the last, shorter batch (of the warm-up, or of the run)
                    fill(batch.clear(), warming ? ws : s, b * list, k, slots);
                }
                BandwidthRing.Span span = ring.spans[b];
                span.first = i;
                span.count = k;
                long t = System.nanoTime();
                for (int j = Math.max(i, warm); j < i + k; j++) {
                    ring.posted[j - warm] = t;
                }
                batch.submitAsync(span, ring);
                b = (b + 1) % batches.length;
                i += k;
                tick(k);
            }
            for (Batch batch : batches) {
                batch.await();
            }
            ring.check();
            phase("measured");
            return bwResult(s, n, ring.posted, ring.completed, depth);
        }

        /** A batch of {@code count} operations of this test, the k-th of them on local slot {@code (first + k) % slots}. */
        private Batch fill(Batch b, long s, int first, int count, int slots) {
            for (int j = first; j < first + count; j++) {
                switch (test) {
                    case WRITE_BW -> b.write(buf.slice(0, s), remote.slice(0, s));
                    case READ_BW -> b.read(buf.slice((j % slots) * s, s), remote.slice(0, s)); // a READ's target is exclusive
                    default -> b.send(buf.slice(0, s));
                }
            }
            return b;
        }

        /** Times {@code count} operations of a latency test into {@code into[0..count)}. */
        @FunctionalInterface
        private interface Timed {
            void run(long[] into, int count) throws Exception;
        }

        /**
         * The warm-up and the measured run of a latency test call the same method: the warm-up
         * in many short calls, so that the JIT compiles that method whole, and the measured run
         * in one call, which enters the compiled code. A single loop over both (as before
         * 2026-12-05) was compiled on the stack while warming up, never having taken its
         * "measured" branch or the JIT wait; taking them deoptimized it, and the measured run
         * began in the interpreter with a recompilation beside it (atomic_lat -n 2000 in the
         * guest: 61-64 us typical against 31-34 with -n 20000).
         */
        private long[] warmThenMeasure(int warm, int n, Timed op) throws Exception {
            long[] scratch = new long[WARM_CALL_OPS];
            int resume = settleAt >= 0 ? Math.min(RESUME_OPS, warm) : 0;
            runUntimed(op, scratch, warm - resume);
            if (settleAt >= 0) {
                settle();
                runUntimed(op, scratch, resume);
            }
            phase("warm-up done");
            long[] samples = new long[n];
            phase("measuring");
            op.run(samples, n);
            phase("measured");
            return samples;
        }

        /** Runs {@code ops} operations of a latency test untimed, in short calls (see warmThenMeasure). */
        private static void runUntimed(Timed op, long[] scratch, int ops) throws Exception {
            for (int done = 0; done < ops; done += WARM_CALL_OPS) {
                op.run(scratch, Math.min(WARM_CALL_OPS, ops - done));
            }
        }

        /** One operation outstanding, the whole round trip timed (read_lat, atomic_lat). */
        private PerfResult roundTrips(long s, int warm, int n) throws Exception {
            LocalSlice local = buf.slice(0, s); // made once: the loop allocates only the call's future
            RemoteSlice target = remote.slice(0, test == PerfTest.ATOMIC_LAT ? 8 : s);
            boolean atomic = test == PerfTest.ATOMIC_LAT;
            long[] samples = warmThenMeasure(warm, n, (into, count) -> roundTrips(into, count, atomic, local, target));
            return new PerfResult(s, n, 0, 0, 0, LatencyStats.of(samples).scaled(1e-3));
        }

        private void roundTrips(long[] into, int count, boolean atomic, LocalSlice local, RemoteSlice target) {
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                if (atomic) {
                    conn.fetchAndAdd(target, 1);
                } else {
                    conn.read(local, target);
                }
                into[i] = System.nanoTime() - t0;
                tick();
            }
        }

        /**
         * perftest's write_lat: write to the server, wait until the server's write shows up in
         * local memory (the last byte of the message changes), repeat; half the round trip.
         */
        private PerfResult writePingPong(long s, int warm, int n) throws Exception {
            LocalSlice local = buf.slice(0, s);
            RemoteSlice target = remote.slice(0, s);
            long[] samples = warmThenMeasure(warm, n, (into, count) -> writePingPong(into, count, s, local, target));
            return new PerfResult(s, n, 0, 0, 0, LatencyStats.of(samples).scaled(0.5e-3));
        }

        private void writePingPong(long[] into, int count, long s, LocalSlice local, RemoteSlice target) {
            for (int i = 0; i < count; i++) {
                byte v = nextSeq();
                buf.putByte(s - 1, v);
                long t0 = System.nanoTime();
                conn.write(local, target); // as perftest: post, poll its completion,
                awaitByte(conn, inbox, s - 1, v);                 // then watch for the peer's write
                into[i] = System.nanoTime() - t0;
                tick();
            }
        }

        /** perftest's send_lat: send, wait for the server's send back; half the round trip. */
        private PerfResult sendPingPong(long s, int warm, int n) throws Exception {
            long[] samples = warmThenMeasure(warm, n, (into, count) -> sendPingPong(into, count, s));
            return new PerfResult(s, n, 0, 0, 0, LatencyStats.of(samples).scaled(0.5e-3));
        }

        private void sendPingPong(long[] into, int count, long s) throws Exception {
            for (int i = 0; i < count; i++) {
                CompletableFuture<Received> r = conn.receiveAsync(inbox.slice());
                long t0 = System.nanoTime();
                CompletableFuture<Void> sent = conn.sendAsync(buf.slice(0, s));
                conn.await(r);
                into[i] = System.nanoTime() - t0;
                conn.await(sent);
                tick();
            }
        }

        /**
         * With --verbose, when a phase of the run began, in JVM uptime (to line up with
         * {@code -Xlog:...:uptime}: what the JIT compiled or deoptimized while measuring), and
         * how many operations the run had done by then.
         */
        private void phase(String what) {
            if (verbose) {
                err.printf(Locale.ROOT, "# %s at %.3fs (JVM uptime), %d operations done%n", what, // a point, as -Xlog prints it
                        java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0, opsDone);
                err.flush();
            }
        }

        /** Waits for the JIT to go quiet (see JitSettle), once per run. */
        private void settle() {
            settleAt = -1;
            phase("JIT wait");
            JitSettle.await();
        }

        byte nextSeq() {
            seq = (byte) (seq == (byte) 255 ? 1 : seq + 1);
            return seq;
        }

        @Override
        public void close() {
            progressBar.close();
            buf.close();
            if (inbox != null) {
                inbox.close();
            }
        }
    }

    static RuntimeException rethrow(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(String.valueOf(t), t);
    }

    /**
     * perftest's report of a bandwidth run: the average over the whole run, and the peak as the
     * best rate over any window of consecutive operations (up to 1024 long; perftest takes all).
     */
    static PerfResult bwResult(long s, int n, long[] posted, long[] completed, int depth) {
        long first = posted[0];
        long lastDone = 0;
        for (long c : completed) {
            lastDone = Math.max(lastDone, c);
        }
        double secs = Math.max(1, lastDone - first) / 1e9;
        double avg = (double) s * n / secs / PerfResult.MB;
        double bestPerOp = Double.MAX_VALUE;
        int window = 1024;
        // at most ~32M window evaluations: long runs sample every step-th starting point
        int step = (int) Math.max(1, (long) n * window / (32L << 20));
        for (int i = 0; i < n; i += step) {
            long maxDone = 0;
            for (int j = i; j < n && j < i + window; j++) {
                maxDone = Math.max(maxDone, completed[j]);
                int ops = j - i + 1;
                if (ops < Math.min(depth, n)) {
                    continue; // a window shorter than the pipeline measures latency, not bandwidth
                }
                double perOp = (double) (maxDone - posted[i]) / ops;
                if (perOp > 0 && perOp < bestPerOp) {
                    bestPerOp = perOp;
                }
            }
        }
        double peak = bestPerOp == Double.MAX_VALUE ? avg : Math.max(avg, s / (bestPerOp / 1e9) / PerfResult.MB);
        double rate = n / secs / 1e6;
        return new PerfResult(s, n, peak, avg, rate, null);
    }

    /**
     * Polls until a byte of local memory (written by the peer) takes a value, as perftest does
     * (see {@link SpinWait}); fails if the connection dies or nothing arrives within 60 s.
     */
    static void awaitByte(Connection conn, LocalMr mem, long offset, byte value) {
        SpinWait wait = new SpinWait();
        while (mem.getByte(offset) != value) {
            if (wait.pause()) {
                if (!conn.isOpen()) {
                    throw new IllegalStateException("the connection closed while waiting for the peer's write");
                }
                if (wait.expired()) {
                    throw new IllegalStateException("the peer's write did not arrive within 60 s");
                }
            }
        }
    }

    // ------------------------------------------------------------------ server

    private int server(RdmaOptions options) throws Exception {
        try (RdmaContext ctx = Rdma.open(options)) {
            Connection conn;
            try (var listener = ctx.listen(new InetSocketAddress(port))) {
                text.println(PerfResult.RULE);
                text.printf(Locale.ROOT, " Waiting for a client on port %d (%s, provider %s, device %s)%n", port, test.label(),
                        ctx.provider(), ctx.device());
                text.flush();
                try {
                    conn = listener.acceptAsync().get();
                } catch (ExecutionException e) {
                    throw rethrow(e);
                }
            }
            try (conn; PerfWire wire = new PerfWire(ctx, conn)) {
                wire.postReceive();
                Plan plan = Plan.decode(wire.take());
                if (plan.test() != test) {
                    Map<String, String> no = new LinkedHashMap<>();
                    no.put("type", "error");
                    no.put("error", "the server runs " + test.label() + ", not " + plan.test().label());
                    wire.send(no);
                    throw new UsageException("the client asked for " + plan.test().label() + ", this server runs " + test.label());
                }
                if ((size != null && plan.sizes().length == 1 && plan.sizes()[0] != size) || (iterations != null && iterations != plan.iterations())) {
                    err.println("note: running the client's sizes and iterations (" + plan.sizes().length + " size(s), "
                            + plan.iterations() + " iterations)");
                }
                long max = plan.maxSize();
                int rxDepth = test == PerfTest.SEND_BW
                        ? (int) Math.clamp(WINDOW_BYTES / max, 1, Math.min(options.receiveQueueDepth() - 1, plan.txDepth() * 2L))
                        : 1;
                try (LocalMr target = ctx.allocate(max, 4096);
                     LocalMr src = ctx.allocate(test.sends() ? Math.max(max, rxDepth * max) : max, 4096)) {
                    conn.grant(target, Access.REMOTE_ALL, LEASE);
                    if (!test.sends()) {
                        wire.postReceive();
                    }
                    // The server's start-up left compilation queued; let it finish before the client
                    // starts, so that it does not run beside the client's operations (JitSettle).
                    JitSettle.await();
                    Map<String, String> ok = new LinkedHashMap<>();
                    ok.put("type", "ok");
                    ok.put("rxDepth", Integer.toString(rxDepth));
                    wire.send(ok);
                    banner(ctx, plan, "server", conn.remoteAddress().toString());
                    switch (test) {
                        case WRITE_LAT -> serveWritePingPong(conn, plan, target, src);
                        case SEND_LAT -> serveSendPingPong(conn, wire, plan, src, target);
                        case SEND_BW -> serveSendBw(conn, wire, plan, src, rxDepth);
                        default -> { } // one-sided: nothing to do until the results come
                    }
                    Map<String, String> res;
                    try {
                        res = wire.take();
                    } catch (io.rdma4j.RdmaException e) {
                        throw new IllegalStateException("the client went away before sending its results ("
                                + Main.firstLine(e.getMessage()) + ")", e);
                    }
                    List<PerfResult> results = new ArrayList<>();
                    for (String line : res.getOrDefault("results", "").split(";")) {
                        if (!line.isBlank()) {
                            results.add(PerfResult.decode(line));
                        }
                    }
                    Map<String, String> bye = new LinkedHashMap<>();
                    bye.put("type", "bye");
                    wire.send(bye);
                    text.println(PerfResult.RULE);
                    text.println(test.bandwidth() ? PerfResult.BW_HEADER : PerfResult.LAT_HEADER);
                    for (PerfResult r : results) {
                        text.println(r.line());
                    }
                    text.println(PerfResult.RULE);
                    text.flush();
                    if (json) {
                        out.println(Json.write(jsonReport(ctx, plan, "server", results)));
                        out.flush();
                    }
                }
            }
        }
        return Main.OK;
    }

    /** The server's half of write_lat: wait for the client's byte, answer with a write of the same size. */
    private static void serveWritePingPong(Connection conn, Plan plan, LocalMr target, LocalMr src) throws Exception {
        RemoteMr back = conn.acceptGrant();
        byte seq = 0;
        for (int k = 0; k < plan.sizes().length; k++) {
            long s = plan.sizes()[k];
            for (int i = 0; i < plan.warmups()[k] + plan.iterations(); i++) {
                seq = (byte) (seq == (byte) 255 ? 1 : seq + 1);
                awaitByte(conn, target, s - 1, seq);
                src.putByte(s - 1, seq);
                conn.write(src.slice(0, s), back.slice(0, s));
            }
        }
    }

    /** The server's half of send_lat: a receive is always posted before the answer goes out. */
    private static void serveSendPingPong(Connection conn, PerfWire wire, Plan plan, LocalMr src, LocalMr inbox)
            throws Exception {
        long total = plan.totalOps();
        CompletableFuture<Received> r = conn.receiveAsync(inbox.slice());
        long done = 0;
        for (int k = 0; k < plan.sizes().length; k++) {
            long s = plan.sizes()[k];
            for (int i = 0; i < plan.warmups()[k] + plan.iterations(); i++) {
                Received got = conn.await(r);
                if (got.byteLength() != s) {
                    throw new IllegalStateException("expected a " + s + "-byte message, got " + got.byteLength());
                }
                done++;
                if (done < total) {
                    r = conn.receiveAsync(inbox.slice());
                } else {
                    wire.postReceive(); // the results come next
                }
                conn.send(src.slice(0, s));
            }
        }
    }

    /** The server's half of send_bw: keep receives posted, exactly as many per size as the client sends. */
    private static void serveSendBw(Connection conn, PerfWire wire, Plan plan, LocalMr rbuf, int rxDepth) throws Exception {
        for (int k = 0; k < plan.sizes().length; k++) {
            long s = plan.sizes()[k];
            int slots = (int) Math.max(1, Math.min(rxDepth, rbuf.size() / s));
            long count = plan.warmups()[k] + (long) plan.iterations();
            ArrayDeque<CompletableFuture<Received>> posted = new ArrayDeque<>();
            long next = 0;
            while (next < count && posted.size() < slots) {
                posted.add(conn.receiveAsync(rbuf.slice((next % slots) * s, s)));
                next++;
            }
            while (!posted.isEmpty()) {
                conn.await(posted.poll());
                if (next < count) {
                    posted.add(conn.receiveAsync(rbuf.slice((next % slots) * s, s)));
                    next++;
                }
            }
        }
        wire.postReceive();
    }
}

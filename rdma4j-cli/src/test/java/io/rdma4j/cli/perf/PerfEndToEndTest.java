package io.rdma4j.cli.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;

/** perf server and client on loopback over the TCP provider: both print parseable perftest lines. */
class PerfEndToEndTest {

    record Out(int status, String out, String err) {}

    private static Out run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int s = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Out(s, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs a server, waits until it listens, runs the client; returns {server, client}. */
    private static Out[] pair(List<String> serverArgs, List<String> clientArgs) throws Exception {
        ByteArrayOutputStream so = new ByteArrayOutputStream();
        ByteArrayOutputStream se = new ByteArrayOutputStream();
        CompletableFuture<Integer> server = CompletableFuture.supplyAsync(() -> Main.run(serverArgs.toArray(String[]::new),
                new PrintStream(so, true, StandardCharsets.UTF_8), new PrintStream(se, true, StandardCharsets.UTF_8)));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!(so.toString(StandardCharsets.UTF_8) + se.toString(StandardCharsets.UTF_8)).contains("Waiting for a client")) {
            assertTrue(System.nanoTime() < deadline && !server.isDone(), () -> "the server did not start: "
                    + so.toString(StandardCharsets.UTF_8) + se.toString(StandardCharsets.UTF_8));
            Thread.sleep(10);
        }
        Out client = run(clientArgs.toArray(String[]::new));
        int s = server.get(60, TimeUnit.SECONDS);
        return new Out[] {new Out(s, so.toString(StandardCharsets.UTF_8), se.toString(StandardCharsets.UTF_8)), client};
    }

    /** The result lines: those starting with a number, split into columns. */
    static List<double[]> rows(String text) {
        List<double[]> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.matches("^\\s*\\d+\\s+\\d+\\s.*")) {
                rows.add(Arrays.stream(line.trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray());
            }
        }
        return rows;
    }

    @ParameterizedTest
    @ValueSource(strings = {"write_bw", "read_bw", "send_bw", "write_lat", "read_lat", "send_lat", "atomic_lat"})
    @Timeout(120)
    void everyTestRunsOnLoopback(String test) throws Exception {
        int port = freePort();
        boolean bw = test.endsWith("_bw");
        List<String> common = List.of("--provider", "tcp", "-p", Integer.toString(port));
        List<String> server = new ArrayList<>(List.of("perf", test));
        server.addAll(common);
        List<String> client = new ArrayList<>(List.of("perf", test, "127.0.0.1", "-n", "200"));
        client.addAll(common);
        if (!test.equals("atomic_lat")) {
            client.addAll(List.of("-s", bw ? "4096" : "64"));
        }
        if (bw) {
            client.addAll(List.of("-t", "16"));
        }
        Out[] r = pair(server, client);
        assertEquals(0, r[0].status(), () -> "server: " + r[0]);
        assertEquals(0, r[1].status(), () -> "client: " + r[1]);
        for (Out o : r) {
            List<double[]> rows = rows(o.out());
            assertEquals(1, rows.size(), () -> "one result line expected: " + o);
            double[] row = rows.getFirst();
            assertEquals(bw ? 5 : 9, row.length, () -> "columns: " + o);
            assertEquals(test.equals("atomic_lat") ? 8 : bw ? 4096 : 64, row[0], 0, o::toString);
            assertEquals(200, row[1], 0, o::toString);
            if (bw) {
                assertTrue(row[3] > 0 && row[2] >= row[3] && row[4] > 0, () -> "bw numbers: " + o);
            } else {
                assertTrue(row[2] > 0 && row[2] <= row[4] && row[4] <= row[3], () -> "min <= typical <= max: " + o);
                assertTrue(row[7] <= row[8] && row[8] <= row[3], () -> "percentiles: " + o);
            }
        }
        assertTrue(r[1].out().contains(bw ? "BW average[MB/sec]" : "t_typical[usec]"), r[1]::toString);
    }

    /** Every poll mode, and -e, runs the latency loops (whose waits poll on the waiting thread under busy) to the end. */
    @ParameterizedTest
    @CsvSource({"send_lat,--poll=busy", "read_lat,--poll=busy", "write_lat,--poll=busy", "send_lat,-e", "atomic_lat,--poll=adaptive"})
    @Timeout(120)
    void everyPollModeRuns(String test, String mode) throws Exception {
        int port = freePort();
        Out[] r = pair(List.of("perf", test, "--provider", "tcp", "-p", "" + port, mode),
                List.of("perf", test, "127.0.0.1", "--provider", "tcp", "-p", "" + port, "-n", "100", mode));
        String expected = mode.equals("-e") ? "event" : mode.substring("--poll=".length());
        for (Out o : r) {
            assertEquals(0, o.status(), o::toString);
            assertEquals(1, rows(o.out()).size(), () -> "one result line expected: " + o);
            assertTrue(o.out().contains("Completions     : " + expected + " polling"), o::toString);
        }
    }

    /** One of --verbose's marks: {@code # <phase> at <seconds>s (JVM uptime), <n> operations done}. */
    private record Mark(String phase, double at, long ops) {}

    private static List<Mark> marks(String err) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("# ([a-zA-Z -]+) at ([0-9.]+)s \\(JVM uptime\\), ([0-9]+) operations done").matcher(err);
        List<Mark> marks = new ArrayList<>();
        while (m.find()) {
            marks.add(new Mark(m.group(1), Double.parseDouble(m.group(2)), Long.parseLong(m.group(3))));
        }
        return marks;
    }

    /** --verbose marks when the warm-up ended, the measurement began and ended, in order. */
    @ParameterizedTest
    @ValueSource(strings = {"atomic_lat", "write_bw"})
    @Timeout(120)
    void verboseMarksThePhasesOfARun(String test) throws Exception {
        int port = freePort();
        Out[] r = pair(List.of("perf", test, "--provider", "tcp", "-p", "" + port),
                List.of("perf", test, "127.0.0.1", "--provider", "tcp", "-p", "" + port, "-n", "100", "--verbose"));
        assertEquals(0, r[1].status(), r[1]::toString);
        List<Mark> marks = marks(r[1].err());
        for (int i = 1; i < marks.size(); i++) {
            assertTrue(marks.get(i).at() >= marks.get(i - 1).at(), () -> "phases in time order: " + r[1]);
        }
        assertEquals(List.of("warm-up done", "measuring", "measured"),
                marks.stream().map(Mark::phase).filter(p -> !p.equals("JIT wait")).toList(), r[1]::toString);
        int quietPort = freePort();
        Out[] quiet = pair(List.of("perf", test, "--provider", "tcp", "-p", "" + quietPort),
                List.of("perf", test, "127.0.0.1", "--provider", "tcp", "-p", "" + quietPort, "-n", "100"));
        assertEquals(0, quiet[1].status(), quiet[1]::toString);
        assertFalse(quiet[1].err().contains("# measuring"), () -> "no marks without --verbose: " + quiet[1]);
    }

    /**
     * A latency test's last warm-up operations run after the JIT wait, so the measured run
     * follows operations, not the wait's idle time (see PerfCommand.RESUME_OPS).
     */
    @Test
    @Timeout(120)
    void latencyWarmUpResumesAfterTheJitWait() throws Exception {
        int port = freePort();
        Out[] r = pair(List.of("perf", "atomic_lat", "--provider", "tcp", "-p", "" + port),
                List.of("perf", "atomic_lat", "127.0.0.1", "--provider", "tcp", "-p", "" + port, "-n", "100", "--verbose"));
        assertEquals(0, r[1].status(), r[1]::toString);
        java.util.Map<String, Long> ops = new java.util.LinkedHashMap<>();
        for (Mark mark : marks(r[1].err())) {
            ops.put(mark.phase(), mark.ops());
        }
        assertEquals(List.of("JIT wait", "warm-up done", "measuring", "measured"), List.copyOf(ops.keySet()), r[1]::toString);
        assertEquals(PerfCommand.RESUME_OPS, ops.get("measuring") - ops.get("JIT wait"), r[1]::toString);
        assertEquals(100, ops.get("measured") - ops.get("measuring"), r[1]::toString);
    }

    @Test
    @Timeout(120)
    void jsonOutput() throws Exception {
        int port = freePort();
        Out[] r = pair(List.of("perf", "write_lat", "--provider", "tcp", "-p", "" + port, "--json"),
                List.of("perf", "write_lat", "localhost", "--provider", "tcp", "-p", "" + port, "-n", "100", "--json"));
        for (Out o : r) {
            assertEquals(0, o.status(), o::toString);
            String json = o.out().trim();
            assertTrue(json.startsWith("{\"test\":\"write_lat\"") && json.endsWith("}"), o::toString);
            assertTrue(json.contains("\"results\":[{\"bytes\":2,\"iterations\":100,\"t_min_usec\":"), o::toString);
            assertEquals(1, json.lines().count(), "one JSON document on stdout, banner on stderr: " + o);
            assertTrue(json.contains("\"inline_size\":null"), o::toString);
        }
    }

    /** -I is the verbs provider's; on tcp the run goes on and the banner and JSON say what was asked. */
    @Test
    @Timeout(120)
    void inlineSizeIsReportedAndIgnoredOnTcp() throws Exception {
        int port = freePort();
        Out[] r = pair(List.of("perf", "send_lat", "--provider", "tcp", "-p", "" + port, "-I", "0", "--json"),
                List.of("perf", "send_lat", "localhost", "--provider", "tcp", "-p", "" + port, "-n", "100", "-I", "64", "--json"));
        for (int i = 0; i < 2; i++) {
            assertEquals(0, r[i].status(), r[i]::toString);
            String asked = i == 0 ? "0" : "64";
            assertTrue(r[i].out().contains("\"inline_size\":" + asked + ","), r[i]::toString);
            assertTrue(r[i].err().contains("Max inline data : " + asked + "[B] asked of the device (-I applies to verbs; tcp ignores it)"),
                    r[i]::toString);
        }
    }

    @Test
    @Timeout(180)
    void sweepWritesAChart(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path svg = dir.resolve("charts/write_bw.svg");
        Out[] r = pair(List.of("perf", "write_bw", "--provider", "tcp", "-p", "" + port),
                List.of("perf", "write_bw", "127.0.0.1", "--provider", "tcp", "-p", "" + port, "-a", "-n", "20",
                        "-t", "4", "--svg", svg.toString()));
        assertEquals(0, r[0].status(), r[0]::toString);
        assertEquals(0, r[1].status(), r[1]::toString);
        List<double[]> rows = rows(r[1].out());
        assertEquals(23, rows.size(), r[1]::toString);
        assertEquals(2, rows.getFirst()[0], 0);
        assertEquals(8 << 20, rows.getLast()[0], 0);
        assertEquals(23, rows(r[0].out()).size(), r[0]::toString);
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Files.newInputStream(svg));
        assertEquals("svg", d.getDocumentElement().getNodeName());
        assertEquals(46, d.getElementsByTagName("circle").getLength());
    }

    @Test
    @Timeout(60)
    void clientAndServerDisagreeOnTheTest() throws Exception {
        int port = freePort();
        Out[] r = pair(List.of("perf", "write_bw", "--provider", "tcp", "-p", "" + port),
                List.of("perf", "read_lat", "127.0.0.1", "--provider", "tcp", "-p", "" + port));
        assertEquals(Main.USAGE, r[1].status(), r[1]::toString);
        assertTrue(r[1].err().contains("write_bw"), r[1]::toString);
        assertEquals(Main.USAGE, r[0].status(), r[0]::toString);
    }
}

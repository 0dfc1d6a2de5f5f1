package io.rdma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Every usage error is exit 2 and exactly one line on stderr, without a stack trace. */
class UsageTest {

    private static void assertUsageError(CliRun r, String expectedFragment) {
        assertEquals(Main.USAGE, r.status(), r::toString);
        assertEquals(1, r.errLines().size(), () -> "expected one line on stderr\n" + r);
        assertTrue(r.err().contains(expectedFragment), () -> "stderr should mention '" + expectedFragment + "'\n" + r);
        assertFalse(r.err().contains("\tat "), () -> "no stack trace without --verbose\n" + r);
    }

    @Test
    void noCommand() {
        assertUsageError(CliRun.of(), "missing command");
    }

    @Test
    void unknownCommand() {
        assertUsageError(CliRun.of("frobnicate"), "frobnicate");
    }

    @Test
    void unknownOption() {
        assertUsageError(CliRun.of("perf", "write_bw", "--bogus"), "--bogus");
    }

    @Test
    void unknownTest() {
        assertUsageError(CliRun.of("perf", "write_bww"), "unknown test 'write_bww'");
    }

    @Test
    void sizeNotANumber() {
        assertUsageError(CliRun.of("perf", "write_bw", "-s", "lots"), "'lots' is not a size");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-p=0", "-p=70000", "-n=2", "-t=0", "-x=-3", "-s=0", "-l=0", "-l=999", "-I=-1", "-I=4097"})
    void valuesOutOfRange(String flag) {
        CliRun r = CliRun.of("perf", "write_bw", "localhost", flag);
        assertUsageError(r, flag.substring(0, 2));
    }

    @Test
    void sizeAndAllExcludeEachOther() {
        assertUsageError(CliRun.of("perf", "write_bw", "-a", "-s", "64"), "exclude each other");
    }

    @Test
    void unknownPollMode() {
        assertUsageError(CliRun.of("perf", "write_lat", "--poll", "sometimes"), "unknown poll mode 'sometimes'");
    }

    @Test
    void eventsContradictBusyPolling() {
        assertUsageError(CliRun.of("perf", "write_lat", "-e", "--poll", "busy"), "contradicts --poll busy");
    }

    @Test
    void svgNeedsASweep() {
        assertUsageError(CliRun.of("perf", "write_bw", "localhost", "--svg", "x.svg"), "add -a");
    }

    @Test
    void atomicIsAlwaysEightBytes() {
        assertUsageError(CliRun.of("perf", "atomic_lat", "-s", "16"), "8 bytes");
    }

    @Test
    void latencyTestsKeepOneOutstanding() {
        assertUsageError(CliRun.of("perf", "write_lat", "-t", "8"), "one operation outstanding");
    }

    @Test
    void missingProvider() {
        assertUsageError(CliRun.of("demo", "--provider", "nosuch"), "nosuch");
    }

    @Test
    void missingProviderForPerf() {
        assertUsageError(CliRun.of("perf", "write_bw", "127.0.0.1", "--provider", "nosuch"), "nosuch");
    }

    /**
     * perf's limit on -I is the verbs provider's own: the largest -I reaches the provider, which
     * takes it (and fails for want of a device or a peer here, not for the setting).
     */
    @Test
    void theLargestInlineSizeIsOneTheVerbsProviderTakes() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CliRun r = CliRun.of("perf", "write_lat", "127.0.0.1", "-p", Integer.toString(port), "--provider", "verbs", "-I", "4096");
        assertUsageError(r, "");
        assertFalse(r.err().contains("maxInlineData") || r.err().contains("-I"), r::toString);
    }

    @Test
    void unreachablePeer() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nobody listens there
        }
        CliRun r = CliRun.of("perf", "write_bw", "127.0.0.1", "-p", Integer.toString(port));
        assertUsageError(r, "");
        assertTrue(r.err().contains("127.0.0.1") || r.err().contains("provider"), r::toString);
    }

    @Test
    void theLibrarysLogRecordsAreOneLineEachAndInformationOnlyWhenVerbose() {
        CliRun quiet = CliRun.of("demo", "--provider", "auto");
        assertEquals(Main.OK, quiet.status(), quiet::toString);
        assertFalse(quiet.err().contains("auto selected provider"), () -> "an informational record without --verbose\n" + quiet);
        CliRun verbose = CliRun.of("demo", "--provider", "auto", "--verbose");
        assertEquals(Main.OK, verbose.status(), verbose::toString);
        List<String> lines = verbose.errLines();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("rdma4j: info: auto selected provider")),
                () -> "the provider choice is not one line of the command's stderr with --verbose\n" + verbose);
        assertTrue(lines.stream().allMatch(l -> l.startsWith("rdma4j: ")), () -> "a log line in another format\n" + verbose);
    }

    @Test
    void unknownHost() {
        assertUsageError(CliRun.of("perf", "write_bw", "no-such-host.invalid"), "no-such-host.invalid");
    }

    @Test
    void verboseAddsTheStackTrace() {
        CliRun r = CliRun.of("demo", "--provider", "nosuch", "--verbose");
        assertEquals(Main.USAGE, r.status(), r::toString);
        assertTrue(r.err().contains("\tat "), r::toString);
    }

    @Test
    void helpIsNotAnError() {
        CliRun r = CliRun.of("perf", "--help");
        assertEquals(Main.OK, r.status(), r::toString);
        assertTrue(r.out().contains("--tx-depth"), r::toString);
        assertTrue(r.out().contains("99% 99.9%"), r::toString);
        assertTrue(r.err().isEmpty(), () -> "help must not warn: " + r);
    }

    @Test
    void version() {
        CliRun r = CliRun.of("version");
        assertEquals(Main.OK, r.status(), r::toString);
        assertTrue(r.out().startsWith("rdma4j "), r::toString);
        assertTrue(r.out().contains("java " + Runtime.version()), r::toString);
        assertTrue(r.out().contains("providers"), r::toString);
    }
}

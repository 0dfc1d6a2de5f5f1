package io.rdma4j.testkit;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What every thread was doing when a test gave up waiting: a hang that shows only under some
 * timing (the Soft-RoCE guest) must be diagnosable from its one failure. Writes the JVM's full
 * dump, virtual threads included, to a file in {@code -Drdma4j.testkit.dumpDir} (the guest's
 * results folder; default the temporary folder) and returns a summary for the failure message:
 * the file and the top frames of rdma4j's own platform threads.
 */
public final class ThreadDump {
    /** The folder the full dumps go to. */
    public static final String DIR_PROPERTY = "rdma4j.testkit.dumpDir";
    private static final int FRAMES = 8;

    private ThreadDump() {}

    /**
     * @param why a word for the file name
     * @return lines to append to a failure message; never throws
     */
    public static String take(String why) {
        StringBuilder b = new StringBuilder("\nthreads at the timeout:");
        try {
            Path dir = Path.of(System.getProperty(DIR_PROPERTY, System.getProperty("java.io.tmpdir")));
            Files.createDirectories(dir);
            Path file = dir.resolve("threads-" + why + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".txt")
                    .toAbsolutePath();
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            b.append("\n  every thread, virtual ones too: ").append(file);
        } catch (Exception | Error e) {
            b.append("\n  (the full dump failed: ").append(e).append(')');
        }
        Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
        for (Map.Entry<Thread, StackTraceElement[]> e : all.entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("rdma4j"))
                .sorted(Comparator.comparing(e -> e.getKey().getName())).toList()) {
            Thread t = e.getKey();
            b.append("\n  ").append(t.getName()).append(" (").append(t.getState()).append("): ")
                    .append(Arrays.stream(e.getValue()).limit(FRAMES).map(String::valueOf).collect(Collectors.joining(" < ")));
        }
        return b.toString();
    }
}

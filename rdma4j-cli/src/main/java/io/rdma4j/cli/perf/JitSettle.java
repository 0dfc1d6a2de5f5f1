package io.rdma4j.cli.perf;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Waits, between warm-up and measurement, until the JIT compilers have gone quiet: compilation
 * queued by start-up and warm-up otherwise runs beside the measured operations and takes the
 * cores they need (on two cores, and far more under the Soft-RoCE guest's emulator, where a
 * C2 compilation takes seconds). perftest, being C, has nothing to wait for; a JVM benchmark
 * measures the steady state, as JMH does after its warm-up.
 *
 * <p>The compilers' total time grows only when a compilation ends, so a long one in flight
 * looks quiet by that measure alone. The CPU time of the JVM's own threads shows it (the
 * compilers, GC and VM thread: the process's CPU time minus that of its Java threads). Quiet is
 * both, for {@link #QUIET_CHECKS} checks in a row: no compilation ended, and those threads used
 * at most {@link #QUIET_CPU_SHARE} of one core. (Not the machine's load: on a loaded machine,
 * such as CI running the tests, that never drops and every run waited the full
 * {@link #MAX_MILLIS}.)
 */
final class JitSettle {
    /** Quiet means: the compilers' total time did not grow over this many consecutive checks. */
    static final int QUIET_CHECKS = 2;
    /** ... and the JVM's own threads' CPU time grew by at most this share of each check's interval. */
    static final double QUIET_CPU_SHARE = 0.25;
    static final long CHECK_MILLIS = 250;
    /** The longest wait, so that a JIT that never settles cannot hold the run up. */
    static final long MAX_MILLIS = 20_000;

    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private JitSettle() {}

    /**
     * Waits for this JVM's compilers to go quiet, at most {@link #MAX_MILLIS}.
     *
     * @return how long it waited, in milliseconds (0 where the JVM does not report compile time)
     */
    static long await() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return 0;
        }
        return await(jit::getTotalCompilationTime, hiddenThreadsCpu(), Thread::sleep, CHECK_MILLIS, MAX_MILLIS);
    }

    /**
     * The CPU time of this process's threads that Java code cannot see (the JIT compilers, the
     * GC, the VM thread): the process's CPU time minus that of every live Java thread. A
     * spinning poller (poll mode busy) or the peer's side in this same JVM (the tests run both
     * ends in one) is a Java thread and so does not count. Returns -1 where unknown.
     */
    private static LongSupplier hiddenThreadsCpu() {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
                || os.getProcessCpuTime() < 0
                || !(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)
                || !threads.isThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
            return () -> -1;
        }
        return () -> {
            long javaThreads = 0;
            for (long t : threads.getThreadCpuTime(threads.getAllThreadIds())) {
                javaThreads += Math.max(0, t); // -1: the thread ended meanwhile
            }
            return os.getProcessCpuTime() - javaThreads;
        };
    }

    /**
     * Polls every {@code checkMillis} until, for {@link #QUIET_CHECKS} checks in a row,
     * {@code compileMillis} stayed the same and {@code cpuNanos} (the JVM's own threads' CPU
     * time, see hiddenThreadsCpu; negative when unknown, then ignored) grew by at most
     * {@link #QUIET_CPU_SHARE} of the interval; or until {@code maxMillis} of checks passed.
     *
     * @return the milliseconds of checks made
     */
    static long await(LongSupplier compileMillis, LongSupplier cpuNanos, Sleeper sleeper, long checkMillis, long maxMillis) {
        long waited = 0;
        int quiet = 0;
        long last = compileMillis.getAsLong();
        long lastCpu = cpuNanos.getAsLong();
        long busyNanos = (long) (QUIET_CPU_SHARE * checkMillis * 1_000_000);
        try {
            while (quiet < QUIET_CHECKS && waited < maxMillis) {
                sleeper.sleep(checkMillis);
                waited += checkMillis;
                long now = compileMillis.getAsLong();
                long cpu = cpuNanos.getAsLong();
                boolean idle = cpu < 0 || lastCpu < 0 || cpu - lastCpu <= busyNanos;
                quiet = now == last && idle ? quiet + 1 : 0;
                last = now;
                lastCpu = cpu;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // measure now; the caller sees the flag
        }
        return waited;
    }
}

package io.rdma4j.cli.perf;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Waits, between warm-up and measurement, until the JIT compilers have gone quiet: compilation
 * queued by start-up and warm-up otherwise runs beside the measured operations and takes the
 * cores they need (on two cores, and far more under the Soft-RoCE guest's emulator, where a
 * C2 compilation takes seconds). perftest, being C, has nothing to wait for; a JVM benchmark
 * measures the steady state, as JMH does after its warm-up.
 *
 * <p>The compilers' total time grows only when a compilation ends, so a long one in flight
 * looks quiet; the machine's CPU load, which the waiting benchmark does not add to, shows it
 * (and the peer's compilations, when both ends run on one machine). Quiet is both: no
 * compilation ended, and the whole machine at most {@link #QUIET_LOAD} busy, for
 * {@link #QUIET_CHECKS} checks in a row.
 */
final class JitSettle {
    /** Quiet means: the compilers' total time did not grow over this many consecutive checks. */
    static final int QUIET_CHECKS = 2;
    /** ... and the machine's CPU load (0 to 1 over all cores) was at most this over each. */
    static final double QUIET_LOAD = 0.2;
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
        DoubleSupplier load = () -> -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            os.getCpuLoad(); // the first reading starts the interval the next one reports on
            load = os::getCpuLoad;
        }
        return await(jit::getTotalCompilationTime, load, Thread::sleep, CHECK_MILLIS, MAX_MILLIS);
    }

    /**
     * Polls every {@code checkMillis} until, for {@link #QUIET_CHECKS} checks in a row,
     * {@code compileMillis} stayed the same and {@code load} (the machine's CPU load since the
     * last reading; negative when unknown, then ignored) was at most {@link #QUIET_LOAD}; or
     * until {@code maxMillis} of checks passed.
     *
     * @return the milliseconds of checks made
     */
    static long await(LongSupplier compileMillis, DoubleSupplier load, Sleeper sleeper, long checkMillis, long maxMillis) {
        long waited = 0;
        int quiet = 0;
        long last = compileMillis.getAsLong();
        try {
            while (quiet < QUIET_CHECKS && waited < maxMillis) {
                sleeper.sleep(checkMillis);
                waited += checkMillis;
                long now = compileMillis.getAsLong();
                double busy = load.getAsDouble();
                quiet = now == last && busy <= QUIET_LOAD ? quiet + 1 : 0;
                last = now;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // measure now; the caller sees the flag
        }
        return waited;
    }
}

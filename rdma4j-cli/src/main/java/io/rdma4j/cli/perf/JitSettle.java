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
 */
final class JitSettle {
    /** Quiet means: the compilers' total time did not grow over this many consecutive checks. */
    static final int QUIET_CHECKS = 2;
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
        return await(jit::getTotalCompilationTime, Thread::sleep, CHECK_MILLIS, MAX_MILLIS);
    }

    /**
     * Polls {@code compileMillis} every {@code checkMillis} until it stayed the same for
     * {@link #QUIET_CHECKS} checks in a row, or {@code maxMillis} of checks passed.
     *
     * @return the milliseconds of checks made
     */
    static long await(LongSupplier compileMillis, Sleeper sleeper, long checkMillis, long maxMillis) {
        long waited = 0;
        int quiet = 0;
        long last = compileMillis.getAsLong();
        try {
            while (quiet < QUIET_CHECKS && waited < maxMillis) {
                sleeper.sleep(checkMillis);
                waited += checkMillis;
                long now = compileMillis.getAsLong();
                quiet = now == last ? quiet + 1 : 0;
                last = now;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // measure now; the caller sees the flag
        }
        return waited;
    }
}

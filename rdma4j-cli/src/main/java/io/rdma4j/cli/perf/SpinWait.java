package io.rdma4j.cli.perf;

/**
 * How perf's latency loops wait for what the peer does, polling as perftest does: spin a little,
 * then yield on every pause (on a machine with few cores a pure spin would starve the provider
 * thread that delivers, e.g. the TCP provider's event loop playing the NIC in this very
 * process). Every 65536 pauses it is time for the caller's slow checks; {@link #expired} gives
 * up 60 s after the first of them.
 */
final class SpinWait {
    private static final long LIMIT_NANOS = 60_000_000_000L;
    private long pauses;
    private long deadline;

    /** Pauses once; true when the caller should make its slow checks now. */
    boolean pause() {
        if (pauses < 200) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
        return (++pauses & 0xFFFF) == 0;
    }

    /** At a slow check: whether the wait has lasted past its limit (the clock starts at the first check). */
    boolean expired() {
        long now = System.nanoTime();
        if (deadline == 0) {
            deadline = now + LIMIT_NANOS;
            return false;
        }
        return now - deadline > 0;
    }
}

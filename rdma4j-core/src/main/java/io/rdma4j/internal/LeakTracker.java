package io.rdma4j.internal;

import io.rdma4j.LeakDetection;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds native resources whose handles became unreachable without being closed, frees them
 * through their cleanup action and reports them, with the allocation site at
 * {@link LeakDetection#PARANOID} (Netty's ResourceLeakDetector idea, on a {@link Cleaner}).
 */
final class LeakTracker {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.leak");
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().daemon().name("rdma4j-cleaner").factory());
    private static final AtomicLong LEAKS = new AtomicLong();

    private final LeakDetection level;

    LeakTracker(LeakDetection level) {
        this.level = level;
    }

    /** Leaks found since the JVM started (tests assert it stays 0). */
    static long leaksFound() {
        return LEAKS.get();
    }

    /**
     * Tracks a handle.
     *
     * @param handle the object users hold
     * @param what a short description for the report
     * @param cleanup frees the resource; must not reference {@code handle}
     * @return a handle to close when the resource is closed normally, or null when disabled
     */
    Handle track(Object handle, String what, Runnable cleanup) {
        if (level == LeakDetection.DISABLED) {
            return null;
        }
        Throwable site = level == LeakDetection.PARANOID ? new Throwable("allocated here") : null;
        Handle h = new Handle(what, site, cleanup);
        h.cleanable = CLEANER.register(handle, h);
        return h;
    }

    /** The cleaner's action: reports and frees unless closed normally first. */
    static final class Handle implements Runnable {
        private final String what;
        private final Throwable site;
        private final Runnable cleanup;
        private volatile boolean closed;
        private Cleaner.Cleanable cleanable;

        Handle(String what, Throwable site, Runnable cleanup) {
            this.what = what;
            this.site = site;
            this.cleanup = cleanup;
        }

        /** The resource was closed normally: nothing to report. */
        void close() {
            closed = true;
            cleanable.clean();
        }

        @Override
        public void run() {
            if (closed) {
                return;
            }
            LEAKS.incrementAndGet();
            if (site != null) {
                LOG.log(System.Logger.Level.WARNING, "LEAK: " + what + " was never closed; freed by its cleaner", site);
            } else {
                LOG.log(System.Logger.Level.WARNING, "LEAK: " + what + " was never closed; freed by its cleaner"
                        + " (run with -Drdma4j.leakDetection=paranoid to see where it was allocated)");
            }
            try {
                cleanup.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "freeing leaked " + what + " failed", e);
            }
        }
    }
}

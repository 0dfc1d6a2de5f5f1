package io.rdma4j.internal;

import io.rdma4j.LeakDetection;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds native resources whose handles became unreachable without being closed, frees them
 * through their cleanup action and reports them, with the allocation site at
 * {@link LeakDetection#PARANOID} (Netty's ResourceLeakDetector idea, on a {@link Cleaner}).
 *
 * <p>Every tracked resource is split in two: the handle users hold, which the cleaner watches,
 * and a state that internal threads (pollers, event loops, the lease scheduler) reference. The
 * cleanup action and the state never reference the handle, or it could never become unreachable.
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
     * Tracks a handle; nothing when detection is disabled.
     *
     * @param handle the object users hold
     * @param what a short description for the report
     * @param slot the state's slot, told when the resource closes
     * @param cleanup frees the resource; must not reference {@code handle}
     */
    void track(Object handle, String what, Slot slot, Runnable cleanup) {
        if (level == LeakDetection.DISABLED) {
            return;
        }
        Throwable site = level == LeakDetection.PARANOID ? new Throwable("allocated here") : null;
        Handle h = new Handle(what, site, cleanup);
        h.cleanable = CLEANER.register(handle, h);
        slot.track(h);
    }

    /**
     * The tracking of one resource, kept by its state (which may close before the handle is
     * tracked: a connection the peer drops at once). Closing deregisters, so no report follows.
     */
    static final class Slot {
        private Handle handle;
        private boolean closed;

        private synchronized void track(Handle h) {
            if (closed) {
                h.close();
            } else {
                handle = h;
            }
        }

        /** The resource was closed (by its user, its parent, or a failure): nothing to report. */
        void closed() {
            Handle h;
            synchronized (this) {
                closed = true;
                h = handle;
                handle = null;
            }
            if (h != null) {
                h.close();
            }
        }

        /**
         * Its parent leaked, so the user dropped this handle too: report it now; the parent then
         * closes it in order (connections before queues before memory).
         */
        void parentLeaked() {
            Handle h;
            synchronized (this) {
                h = closed ? null : handle;
            }
            if (h != null) {
                h.reportNow();
            }
        }
    }

    /** The cleaner's action: reports and frees unless closed normally first. */
    private static final class Handle implements Runnable {
        private final String what;
        private final Throwable site;
        private final Runnable cleanup;
        private final AtomicBoolean done = new AtomicBoolean();
        private Cleaner.Cleanable cleanable;

        Handle(String what, Throwable site, Runnable cleanup) {
            this.what = what;
            this.site = site;
            this.cleanup = cleanup;
        }

        void close() {
            done.set(true);
            cleanable.clean();
        }

        void reportNow() {
            if (done.compareAndSet(false, true)) {
                report();
            }
            cleanable.clean();
        }

        @Override
        public void run() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            report();
            try {
                cleanup.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "freeing leaked " + what + " failed", e);
            }
        }

        private void report() {
            LEAKS.incrementAndGet();
            if (site != null) {
                LOG.log(System.Logger.Level.WARNING, "LEAK: " + what + " was never closed; freed by its cleaner", site);
            } else {
                LOG.log(System.Logger.Level.WARNING, "LEAK: " + what + " was never closed; freed by its cleaner"
                        + " (run with -Drdma4j.leakDetection=paranoid to see where it was allocated)");
            }
        }
    }
}

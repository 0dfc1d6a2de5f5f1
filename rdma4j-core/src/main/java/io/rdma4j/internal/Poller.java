package io.rdma4j.internal;

import io.rdma4j.PollMode;
import io.rdma4j.spi.CompletionHandler;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.WorkOpcode;
import java.util.concurrent.TimeUnit;

/**
 * Drains one completion queue shared by many connections and routes each completion to its
 * connection's slot through the {@code wr_id}. Idles by the context's {@link PollMode}: spin,
 * then yield, then arm the queue and block (adaptive). A failure while handling one completion
 * is logged and never stops the poller.
 */
final class Poller extends Thread implements CompletionHandler {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.poller");
    /**
     * Two cores or fewer: no core to spare for spinning, so pollers yield (see SPIN_NANOS and
     * BUSY_YIELDS for why each mode cares).
     */
    private static final boolean FEW_CORES = Runtime.getRuntime().availableProcessors() <= 2;
    /**
     * How long an adaptive poller spins before it yields. Spinning pays only with a core to
     * spare: on two cores or fewer the spinning poller takes the core the posting thread or
     * the provider's threads (the tcp provider's event loops do the NIC's work) need, and
     * costs both bandwidth and latency; there it starts with yielding at once.
     * {@code -Drdma4j.poller.spinMicros} overrides.
     */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(
            Long.getLong("rdma4j.poller.spinMicros", FEW_CORES ? 0 : 50));
    /** When an adaptive poller stops yielding and blocks; {@code -Drdma4j.poller.yieldMicros} overrides. */
    private static final long YIELD_NANOS = SPIN_NANOS
            + TimeUnit.MICROSECONDS.toNanos(Long.getLong("rdma4j.poller.yieldMicros", 200));
    private static final int BATCH = 64;
    /**
     * A busy poller on two cores or fewer yields instead of only spinning: the thread waiting
     * for its completion (spinning too, see Blocking) and the peer's threads need the core,
     * and a poller that never yields holds it for a whole scheduler slice (milliseconds).
     */
    private static final boolean BUSY_YIELDS = FEW_CORES;

    private final ContextState context;
    private final CompletionQueue queue;
    private final PollMode mode;
    private volatile boolean running = true;

    Poller(ContextState context, CompletionQueue queue, PollMode mode, String name) {
        super(name);
        setDaemon(true);
        this.context = context;
        this.queue = queue;
        this.mode = mode;
    }

    @Override
    public void run() {
        long idleSince = 0;
        while (running) {
            int n;
            try {
                n = queue.poll(this, BATCH);
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                LOG.log(System.Logger.Level.ERROR, "polling the completion queue failed", e);
                n = 0;
            }
            if (n > 0) {
                idleSince = 0;
                continue;
            }
            try {
                switch (mode) {
                    case BUSY -> {
                        if (BUSY_YIELDS) {
                            Thread.yield();
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                    case EVENT -> queue.await(TimeUnit.MILLISECONDS.toNanos(100));
                    case ADAPTIVE -> {
                        long now = System.nanoTime();
                        if (idleSince == 0) {
                            idleSince = now;
                        }
                        long idle = now - idleSince;
                        if (idle < SPIN_NANOS) {
                            Thread.onSpinWait();
                        } else if (idle < YIELD_NANOS) {
                            Thread.yield();
                        } else {
                            queue.await(TimeUnit.MILLISECONDS.toNanos(50));
                        }
                    }
                }
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "waiting on the completion queue failed", e);
            }
        }
    }

    @Override
    public void onCompletion(long wrId, int status, WorkOpcode opcode, int byteLength, int immediate,
                             boolean hasImmediate, int vendorError) {
        try {
            ConnectionState c = context.connectionById(OpSlot.connectionId(wrId));
            if (c != null) {
                c.onCompletion(wrId, status, opcode, byteLength, immediate, hasImmediate, vendorError);
            }
        } catch (RuntimeException | StackOverflowError e) {
            LOG.log(System.Logger.Level.ERROR, "handling a completion failed (wr_id 0x" + Long.toHexString(wrId) + ")", e);
        }
    }

    /** Stops the loop and waits for it. */
    void shutdown() {
        running = false;
        queue.wakeup();
        interrupt();
        try {
            join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

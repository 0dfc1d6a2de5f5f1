package io.rdma4j.internal;

import io.rdma4j.PollMode;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.ProviderDevice;
import java.util.ArrayList;
import java.util.List;

/**
 * The completion queues of a context and their pollers. Connections share a queue until its
 * entries are spoken for (each needs send + receive depth), then a new queue and poller are
 * made: a few pollers serve many connections.
 */
final class CompletionEngine implements AutoCloseable {
    /** One completion queue, its poller and the entries not yet promised to a connection. */
    static final class Group {
        final CompletionQueue queue;
        final Poller poller;
        int free;

        Group(CompletionQueue queue, Poller poller, int free) {
            this.queue = queue;
            this.poller = poller;
            this.free = free;
        }
    }

    private final ContextState context;
    private final ProviderDevice device;
    private final PollMode mode;
    private final int queueSize;
    private final List<Group> groups = new ArrayList<>();
    private boolean closed;

    CompletionEngine(ContextState context, ProviderDevice device, PollMode mode, int queueSize) {
        this.context = context;
        this.device = device;
        this.mode = mode;
        this.queueSize = Math.min(queueSize, device.limits().maxCompletionQueueEntries());
    }

    /**
     * A queue with room for {@code entries} more completions.
     *
     * @param entries send plus receive depth of a new connection
     * @return the group to attach to
     */
    synchronized Group assign(int entries) {
        if (closed) {
            throw new io.rdma4j.ResourceClosedException("the context is closed");
        }
        if (entries > queueSize) {
            throw new IllegalArgumentException("a connection needs " + entries + " completion entries but a queue holds "
                    + queueSize + "; lower the queue depths");
        }
        for (Group g : groups) {
            if (g.free >= entries) {
                g.free -= entries;
                return g;
            }
        }
        CompletionQueue q = device.createCompletionQueue(queueSize);
        Poller p = new Poller(context, q, mode, "rdma4j-poller-" + groups.size());
        Group g = new Group(q, p, queueSize - entries);
        groups.add(g);
        p.start();
        return g;
    }

    synchronized void release(Group g, int entries) {
        g.free += entries;
    }

    synchronized int pollerCount() {
        return groups.size();
    }

    @Override
    public void close() {
        List<Group> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = List.copyOf(groups);
        }
        boolean[] quiet = new boolean[all.size()];
        for (int i = 0; i < all.size(); i++) {
            quiet[i] = all.get(i).poller.shutdown();
        }
        for (int i = 0; i < all.size(); i++) {
            if (quiet[i]) {
                all.get(i).queue.close();
            } else {
                // freeing it under a running poll would be a use-after-free in native code
                System.getLogger("io.rdma4j.poller").log(System.Logger.Level.ERROR, "a completion callback has not"
                        + " returned for 5 s; its completion queue is left allocated rather than freed under it");
            }
        }
    }
}

package io.rdma4j.internal;

import io.rdma4j.ConnectionException;
import io.rdma4j.OperationHandler;
import io.rdma4j.RdmaException;
import io.rdma4j.RdmaOptions;
import io.rdma4j.ResourceClosedException;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The state behind a {@link ContextImpl} handle: the opened device, the memory pool, the
 * pollers, and the states of every connection, listener and region made from it, closed in
 * order (listeners, connections, pollers and queues, memory, device). The pollers and the lease
 * scheduler reference this, never the handle, so a forgotten handle can be found by the leak
 * detector while they run.
 */
final class ContextState {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.context");

    private final RdmaOptions options;
    private final ProviderDevice device;
    private final MemoryPool pool;
    private final CompletionEngine engine;
    final LeakTracker leaks;
    final LeakTracker.Slot leak = new LeakTracker.Slot();
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("rdma4j-task-", 0).factory());
    private final ScheduledThreadPoolExecutor scheduler;
    private final Set<ListenerState> listeners = ConcurrentHashMap.newKeySet();
    private final Set<MrState> regions = ConcurrentHashMap.newKeySet();
    /** Connections by id; replaced on growth, so the poller reads it without a lock. */
    private volatile ConnectionState[] connections = new ConnectionState[64];
    private int nextConnectionId = 1;
    private volatile boolean closed;
    /** Weak: only to give a handle to what is made off the user's thread; never keeps it reachable. */
    private volatile WeakReference<ContextImpl> handle = new WeakReference<>(null);

    private ContextState(RdmaOptions options, ProviderDevice device) {
        this.options = options;
        this.device = device;
        this.pool = new MemoryPool(device, options.poolChunkSize());
        this.engine = new CompletionEngine(this, device, options.pollMode(), options.completionQueueSize());
        this.leaks = new LeakTracker(options.leakDetection());
        this.scheduler = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("rdma4j-leases").factory());
        this.scheduler.setRemoveOnCancelPolicy(true);
    }

    /**
     * Opens a context on the provider the options select.
     *
     * @param options validated options
     * @return the context's state
     */
    static ContextState open(RdmaOptions options) {
        Objects.requireNonNull(options, "options");
        Providers.Choice choice = Providers.select(options);
        ProviderDevice device = choice.provider().open(choice.config());
        return new ContextState(options, device);
    }

    // ------------------------------------------------------------------ accessors for the core

    void handle(ContextImpl h) {
        handle = new WeakReference<>(h);
    }

    /** The user's handle, or null once it was dropped (the context is then being closed as leaked). */
    ContextImpl handle() {
        return handle.get();
    }

    ProviderDevice providerDevice() {
        return device;
    }

    MemoryPool pool() {
        return pool;
    }

    ExecutorService executor() {
        return executor;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    RdmaOptions options() {
        return options;
    }

    String provider() {
        return device.providerName();
    }

    String device() {
        return device.deviceName();
    }

    boolean isOpen() {
        return !closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new ResourceClosedException("this RdmaContext is closed");
        }
    }

    // ------------------------------------------------------------------ memory

    /**
     * A region's state, not yet tracked: the handle tracks it, or the core owns it (memory a
     * peer requested, freed when its grant ends).
     */
    MrState allocate(long size, long alignment) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be > 0, was " + size);
        }
        if (alignment <= 0 || Long.bitCount(alignment) != 1 || alignment > 4096) {
            throw new IllegalArgumentException("alignment must be a power of two up to 4096, was " + alignment);
        }
        checkOpen();
        MemoryPool.Block block = pool.allocate(size, alignment);
        MrState state = new MrState(this, block);
        regions.add(state);
        return state;
    }

    /** A region's last lend ended after it was closed: its block goes back to the pool. */
    void freeBlock(MrState state, MemoryPool.Block block) {
        regions.remove(state);
        if (!closed) {
            pool.free(block);
        }
    }

    long regionsInUse() {
        return regions.size();
    }

    long poolBytesInUse() {
        return pool.bytesInUse();
    }

    // ------------------------------------------------------------------ connections

    private synchronized ConnectionState newConnection() {
        checkOpen();
        int entries = options.sendQueueDepth() + options.receiveQueueDepth();
        CompletionEngine.Group group = engine.assign(entries);
        try {
            ConnectionState[] table = connections;
            int id;
            while (true) {
                id = nextConnectionId;
                nextConnectionId = (nextConnectionId + 1) & 0xFFFFFF;
                if (nextConnectionId == 0) {
                    nextConnectionId = 1;
                }
                if (table[id & (table.length - 1)] == null) {
                    break;
                }
                if (liveConnections(table) * 2 >= table.length) {
                    table = grow(table);
                }
            }
            ConnectionState c = new ConnectionState(this, id, group, options.sendQueueDepth(), options.receiveQueueDepth());
            ConnectionState[] copy = table.clone();
            copy[id & (copy.length - 1)] = c;
            connections = copy;
            return c;
        } catch (RuntimeException e) {
            engine.release(group, entries);
            throw e;
        }
    }

    private static int liveConnections(ConnectionState[] table) {
        int n = 0;
        for (ConnectionState c : table) {
            if (c != null) {
                n++;
            }
        }
        return n;
    }

    private static ConnectionState[] grow(ConnectionState[] table) {
        ConnectionState[] bigger = new ConnectionState[table.length * 2];
        for (ConnectionState c : table) {
            if (c != null) {
                bigger[c.id & (bigger.length - 1)] = c;
            }
        }
        return bigger;
    }

    ConnectionState connectionById(int id) {
        ConnectionState[] table = connections;
        ConnectionState c = table[id & (table.length - 1)];
        return c != null && c.id == id ? c : null;
    }

    /** A connection finished closing: its id and completion entries are free again. */
    synchronized void connectionClosed(ConnectionState c) {
        ConnectionState[] copy = connections.clone();
        int i = c.id & (copy.length - 1);
        if (copy[i] == c) {
            copy[i] = null;
            connections = copy;
            engine.release(c.cqGroup(), options.sendQueueDepth() + options.receiveQueueDepth());
        }
    }

    private EndpointSpec spec(ConnectionState c) {
        var q = c.cqGroup().queue;
        return new EndpointSpec(q, q, options.sendQueueDepth(), options.receiveQueueDepth(), c);
    }

    ConnectionState connect(InetSocketAddress address) {
        ConnectionState c = newConnection();
        try {
            ProviderEndpoint ep = device.connect(address, spec(c), options.connectTimeout());
            c.attach(ep);
            return c;
        } catch (RuntimeException e) {
            c.close();
            if (e instanceof RdmaException) {
                throw e;
            }
            throw new ConnectionException("connecting to " + address + " failed: " + e.getMessage(), e);
        }
    }

    ConnectionState accept(ProviderListener listener, Duration timeout) {
        ConnectionState c = newConnection();
        try {
            ProviderEndpoint ep = listener.accept(spec(c), timeout);
            c.attach(ep);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    ListenerState listen(InetSocketAddress address) {
        checkOpen();
        ListenerState l = new ListenerState(this, device.listen(address, 128));
        listeners.add(l);
        return l;
    }

    void listenerClosed(ListenerState l) {
        listeners.remove(l);
    }

    // ------------------------------------------------------------------ completing futures

    /**
     * Reports a finished operation to its handler (a user's, or a batch's) or its future;
     * called outside every lock. A handler's exception is logged and stops nothing else.
     *
     * @param f the future, or null
     * @param h the handler, or null; takes precedence
     * @param attachment for the handler
     * @param value for the handler: an atomic's old value, else 0
     * @param result for the future: null, a Long or a Received
     * @param error the failure, or null
     */
    <T> void deliver(CompletableFuture<T> f, OperationHandler<Object> h, Object attachment, long value, T result,
                     RdmaException error) {
        if (h != null) {
            try {
                if (error == null) {
                    h.completed(value, attachment);
                } else {
                    h.failed(error, attachment);
                }
            } catch (RuntimeException | StackOverflowError e) {
                LOG.log(System.Logger.Level.ERROR, "an OperationHandler threw; the completion is delivered", e);
            }
        } else if (f != null) {
            if (error != null) {
                f.completeExceptionally(error);
            } else {
                f.complete(result);
            }
        }
    }

    void completeError(CompletableFuture<?> f, RdmaException error) {
        f.completeExceptionally(error);
    }

    /** Like {@link #deliver}, from a place that holds a lock: it runs on another thread. */
    void deliverLater(CompletableFuture<Object> f, OperationHandler<Object> h, Object attachment, RdmaException error) {
        if (f == null && h == null) {
            return;
        }
        Runnable r = () -> deliver(f, h, attachment, 0, null, error);
        try {
            executor.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            Thread.ofPlatform().daemon().start(r);
        }
    }

    // ------------------------------------------------------------------ close

    /**
     * The cleanup of a child's leaked handle: frees it, unless the context's handle is gone too
     * (children hold it, so it goes with or after them); then the context's own cleanup closes
     * everything in order, as {@link #close} does, and this only reports.
     *
     * @param close closes the child's state; must not reference its handle
     */
    Runnable childCleanup(Runnable close) {
        return () -> {
            if (handle() != null) {
                close.run();
            }
        };
    }

    /** The leak detector found the handle unreachable: so are its children's, reported before each closes. */
    void closeLeaked() {
        close(true);
    }

    /**
     * Closes everything in order.
     *
     * @param leaked whether the handle was dropped unclosed, so the open children leaked with it
     */
    void close(boolean leaked) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        leak.closed();
        for (ListenerState l : List.copyOf(listeners)) {
            if (leaked) {
                l.leak.parentLeaked();
            }
            l.close();
        }
        List<ConnectionState> open = new java.util.ArrayList<>();
        for (ConnectionState c : connections) {
            if (c != null) {
                open.add(c);
                if (leaked) {
                    c.leak.parentLeaked();
                }
            }
        }
        // Close connections side by side: each waits boundedly for its flushes.
        List<CompletableFuture<Void>> closing = open.stream()
                .map(c -> CompletableFuture.runAsync(c::close, executor)).toList();
        for (CompletableFuture<Void> f : closing) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing a connection failed", e);
            }
        }
        // A failure here (a queue pair the provider could not destroy keeps its completion
        // queue) must not leave the regions, pool and device open too: close them, then throw.
        FirstFailure failure = new FirstFailure();
        failure.run(engine::close);
        for (MrState r : List.copyOf(regions)) {
            if (leaked) {
                r.leak.parentLeaked();
            }
            failure.run(r::close); // a grant that failed to deregister: its memory is kept
        }
        scheduler.shutdownNow();
        failure.run(pool::close); // a chunk that failed to deregister: the device is closed all the same
        failure.run(device::close);
        executor.shutdown();
        failure.throwIfAny();
    }

    @Override
    public String toString() {
        return "RdmaContext[" + provider() + "/" + device() + (closed ? ", closed" : "") + "]";
    }
}

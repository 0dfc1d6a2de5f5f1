package io.rdma4j.internal;

import io.rdma4j.Connection;
import io.rdma4j.ConnectionException;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.RdmaOptions;
import io.rdma4j.ResourceClosedException;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
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
 * The safe core's context: the opened device, the memory pool, the pollers, and every
 * connection, listener and region made from it, closed in order (connections, listeners,
 * pollers and queues, memory, device).
 */
public final class ContextImpl implements RdmaContext {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.context");

    private final RdmaOptions options;
    private final ProviderDevice device;
    private final MemoryPool pool;
    private final CompletionEngine engine;
    private final LeakTracker leaks;
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("rdma4j-task-", 0).factory());
    private final ScheduledThreadPoolExecutor scheduler;
    private final Set<ListenerImpl> listeners = ConcurrentHashMap.newKeySet();
    private final Set<MrState> regions = ConcurrentHashMap.newKeySet();
    /** Connections by id; replaced on growth, so the poller reads it without a lock. */
    private volatile ConnectionImpl[] connections = new ConnectionImpl[64];
    private int nextConnectionId = 1;
    private volatile boolean closed;

    private ContextImpl(RdmaOptions options, ProviderDevice device) {
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
     * @return the context
     */
    public static RdmaContext open(RdmaOptions options) {
        Objects.requireNonNull(options, "options");
        Providers.Choice choice = Providers.select(options);
        ProviderDevice device = choice.provider().open(choice.config());
        return new ContextImpl(options, device);
    }

    // ------------------------------------------------------------------ accessors for the core

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

    @Override
    public RdmaOptions options() {
        return options;
    }

    @Override
    public String provider() {
        return device.providerName();
    }

    @Override
    public String device() {
        return device.deviceName();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new ResourceClosedException("this RdmaContext is closed");
        }
    }

    // ------------------------------------------------------------------ memory

    @Override
    public LocalMr allocate(long size) {
        return allocate(size, 8);
    }

    @Override
    public LocalMr allocate(long size, long alignment) {
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
        LocalMrImpl handle = new LocalMrImpl(state);
        state.leakHandle(leaks.track(handle, "LocalMr of " + size + " bytes", () -> state.close(true)));
        return handle;
    }

    /** A region's last lend ended after it was closed: its block goes back to the pool. */
    void freeBlock(MrState state, MemoryPool.Block block) {
        regions.remove(state);
        if (!closed) {
            pool.free(block);
        }
    }

    /** For tests: regions not yet given back, and bytes the pool has out. */
    public long regionsInUse() {
        return regions.size();
    }

    /** For tests: bytes handed out by the pool. */
    public long poolBytesInUse() {
        return pool.bytesInUse();
    }

    /** For tests: leaks the cleaners found since the JVM started. */
    public static long leaksFound() {
        return LeakTracker.leaksFound();
    }

    // ------------------------------------------------------------------ connections

    private synchronized ConnectionImpl newConnection() {
        checkOpen();
        int entries = options.sendQueueDepth() + options.receiveQueueDepth();
        CompletionEngine.Group group = engine.assign(entries);
        try {
            ConnectionImpl[] table = connections;
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
            ConnectionImpl c = new ConnectionImpl(this, id, group, options.sendQueueDepth(), options.receiveQueueDepth());
            ConnectionImpl[] copy = table.clone();
            copy[id & (copy.length - 1)] = c;
            connections = copy;
            return c;
        } catch (RuntimeException e) {
            engine.release(group, entries);
            throw e;
        }
    }

    private static int liveConnections(ConnectionImpl[] table) {
        int n = 0;
        for (ConnectionImpl c : table) {
            if (c != null) {
                n++;
            }
        }
        return n;
    }

    private static ConnectionImpl[] grow(ConnectionImpl[] table) {
        ConnectionImpl[] bigger = new ConnectionImpl[table.length * 2];
        for (ConnectionImpl c : table) {
            if (c != null) {
                bigger[c.id & (bigger.length - 1)] = c;
            }
        }
        return bigger;
    }

    ConnectionImpl connectionById(int id) {
        ConnectionImpl[] table = connections;
        ConnectionImpl c = table[id & (table.length - 1)];
        return c != null && c.id == id ? c : null;
    }

    /** A connection finished closing: its id and completion entries are free again. */
    synchronized void connectionClosed(ConnectionImpl c) {
        ConnectionImpl[] copy = connections.clone();
        int i = c.id & (copy.length - 1);
        if (copy[i] == c) {
            copy[i] = null;
            connections = copy;
            engine.release(c.cqGroup(), options.sendQueueDepth() + options.receiveQueueDepth());
        }
    }

    private EndpointSpec spec(ConnectionImpl c) {
        var q = c.cqGroup().queue;
        return new EndpointSpec(q, q, options.sendQueueDepth(), options.receiveQueueDepth(), c);
    }

    @Override
    public Connection connect(InetSocketAddress address) {
        Blocking.checkMayBlock("connect");
        Objects.requireNonNull(address, "address");
        ConnectionImpl c = newConnection();
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

    @Override
    public CompletableFuture<Connection> connectAsync(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        CompletableFuture<Connection> f = new CompletableFuture<>();
        Thread.ofVirtual().name("rdma4j-connect").start(() -> {
            try {
                f.complete(connect(address));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    Connection accept(ProviderListener listener, Duration timeout) {
        ConnectionImpl c = newConnection();
        try {
            ProviderEndpoint ep = listener.accept(spec(c), timeout);
            c.attach(ep);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    @Override
    public Listener listen(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        checkOpen();
        ListenerImpl l = new ListenerImpl(this, device.listen(address, 128));
        listeners.add(l);
        return l;
    }

    void listenerClosed(ListenerImpl l) {
        listeners.remove(l);
    }

    // ------------------------------------------------------------------ completing futures

    /** Completes an operation's future or its batch; called outside every lock. */
    void complete(CompletableFuture<Object> f, BatchImpl.State batch, Object result, RdmaException error) {
        if (batch != null) {
            batch.entryDone(error, this);
        } else if (f != null) {
            if (error != null) {
                f.completeExceptionally(error);
            } else {
                f.complete(result);
            }
        }
    }

    /** Like {@link #complete}, from a place that holds a lock: the future completes on another thread. */
    void completeLater(CompletableFuture<Object> f, BatchImpl.State batch, Object result, RdmaException error) {
        if (f == null && batch == null) {
            return;
        }
        try {
            executor.execute(() -> complete(f, batch, result, error));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            Thread.ofPlatform().daemon().start(() -> complete(f, batch, result, error));
        }
    }

    <T> void completeValue(CompletableFuture<T> f, T value) {
        f.complete(value);
    }

    void completeError(CompletableFuture<?> f, RdmaException error) {
        f.completeExceptionally(error);
    }

    // ------------------------------------------------------------------ close

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (ListenerImpl l : List.copyOf(listeners)) {
            l.close();
        }
        List<ConnectionImpl> open = new java.util.ArrayList<>();
        for (ConnectionImpl c : connections) {
            if (c != null) {
                open.add(c);
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
        engine.close();
        for (MrState r : List.copyOf(regions)) {
            r.close(false);
        }
        scheduler.shutdownNow();
        pool.close();
        device.close();
        executor.shutdown();
    }

    @Override
    public String toString() {
        return "RdmaContext[" + provider() + "/" + device() + (closed ? ", closed" : "") + "]";
    }
}

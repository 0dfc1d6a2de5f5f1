package io.rdma4j.internal;

import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The context handle users hold; everything lives in its {@link ContextState}. The handles of
 * its connections, listeners and regions hold this one, so the context is reported as leaked
 * only when nothing made from it is reachable either.
 */
public final class ContextImpl implements RdmaContext {
    final ContextState state;

    private ContextImpl(ContextState state) {
        this.state = state;
    }

    /**
     * Opens a context on the provider the options select.
     *
     * @param options validated options
     * @return the context
     */
    public static RdmaContext open(RdmaOptions options) {
        Objects.requireNonNull(options, "options");
        ContextState state = ContextState.open(options);
        ContextImpl handle = new ContextImpl(state);
        state.handle(handle);
        state.leaks.track(handle, "RdmaContext on " + state.provider() + "/" + state.device(), state.leak,
                state::closeLeaked);
        return handle;
    }

    @Override
    public RdmaOptions options() {
        return state.options();
    }

    @Override
    public String provider() {
        return state.provider();
    }

    @Override
    public String device() {
        return state.device();
    }

    @Override
    public boolean isOpen() {
        return state.isOpen();
    }

    @Override
    public LocalMr allocate(long size) {
        return allocate(size, 8);
    }

    @Override
    public LocalMr allocate(long size, long alignment) {
        MrState mr = state.allocate(size, alignment);
        LocalMrImpl handle = new LocalMrImpl(this, mr);
        state.leaks.track(handle, "LocalMr of " + size + " bytes", mr.leak, state.childCleanup(mr::close));
        return handle;
    }

    @Override
    public Connection connect(InetSocketAddress address) {
        Blocking.checkMayBlock("connect");
        Objects.requireNonNull(address, "address");
        return connection(state.connect(address), "Connection to " + address);
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

    /** The handle of a connected (or accepted) connection, tracked from here on. */
    Connection connection(ConnectionState c, String what) {
        ConnectionImpl handle = new ConnectionImpl(this, c);
        c.handle(handle);
        state.leaks.track(handle, what, c.leak, state.childCleanup(c::close));
        return handle;
    }

    @Override
    public Listener listen(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        ListenerState l = state.listen(address);
        ListenerImpl handle = new ListenerImpl(this, l);
        state.leaks.track(handle, "Listener on " + l.localAddress(), l.leak, state.childCleanup(l::close));
        return handle;
    }

    /** For tests: regions not yet given back. */
    public long regionsInUse() {
        return state.regionsInUse();
    }

    /** For tests: bytes handed out by the pool. */
    public long poolBytesInUse() {
        return state.poolBytesInUse();
    }

    /** For tests: leaks the cleaners found since the JVM started. */
    public static long leaksFound() {
        return LeakTracker.leaksFound();
    }

    @Override
    public void close() {
        state.close(false);
    }

    @Override
    public String toString() {
        return state.toString();
    }
}

package io.rdma4j.internal;

import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.ResourceClosedException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The listener handle users hold; everything lives in its {@link ListenerState}. Holds its
 * context's handle, so the context is not reported while the listener is in use.
 */
final class ListenerImpl implements Listener {
    private final ContextImpl context;
    private final ListenerState state;

    ListenerImpl(ContextImpl context, ListenerState state) {
        this.context = context;
        this.state = state;
    }

    @Override
    public InetSocketAddress localAddress() {
        return state.localAddress();
    }

    @Override
    public Connection accept() {
        return accept(null);
    }

    @Override
    public Connection accept(Duration timeout) {
        Blocking.checkMayBlock("accept");
        return accepted(context, state.accept(timeout));
    }

    @Override
    public CompletableFuture<Connection> acceptAsync() {
        CompletableFuture<Connection> f = new CompletableFuture<>();
        // The waiting thread holds the states only: a pending accept keeps neither handle reachable.
        ListenerState s = state;
        ContextState owner = context.state;
        Thread.ofVirtual().name("rdma4j-accept").start(() -> {
            try {
                ConnectionState c = s.accept(null);
                ContextImpl handle = owner.handle();
                if (handle == null) {
                    c.close();
                    throw new ResourceClosedException("the context was dropped without being closed");
                }
                f.complete(accepted(handle, c));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    private static Connection accepted(ContextImpl context, ConnectionState c) {
        return context.connection(c, "Connection from " + c.remoteAddress());
    }

    @Override
    public void close() {
        state.close();
    }

    @Override
    public String toString() {
        return "Listener[" + state.localAddress() + "]";
    }
}

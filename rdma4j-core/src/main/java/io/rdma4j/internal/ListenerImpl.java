package io.rdma4j.internal;

import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.spi.ProviderListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Accepts connections through the provider's listener; every accepted one gets its own slots. */
final class ListenerImpl implements Listener {
    private final ContextImpl context;
    private final ProviderListener listener;
    private volatile boolean closed;

    ListenerImpl(ContextImpl context, ProviderListener listener) {
        this.context = context;
        this.listener = listener;
    }

    @Override
    public InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    @Override
    public Connection accept() {
        Blocking.checkMayBlock("accept");
        return context.accept(listener, null);
    }

    @Override
    public Connection accept(Duration timeout) {
        Blocking.checkMayBlock("accept");
        return context.accept(listener, timeout);
    }

    @Override
    public CompletableFuture<Connection> acceptAsync() {
        CompletableFuture<Connection> f = new CompletableFuture<>();
        Thread.ofVirtual().name("rdma4j-accept").start(() -> {
            try {
                f.complete(context.accept(listener, null));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            listener.close();
            context.listenerClosed(this);
        }
    }
}

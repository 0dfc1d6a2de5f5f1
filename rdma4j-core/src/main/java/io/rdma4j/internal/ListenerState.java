package io.rdma4j.internal;

import io.rdma4j.spi.ProviderListener;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The state behind a {@link ListenerImpl} handle: the provider's listener. The context's list
 * and pending accepts reference this, never the handle, so a dropped handle can be found by the
 * leak detector.
 */
final class ListenerState {
    private final ContextState context;
    private final ProviderListener listener;
    final LeakTracker.Slot leak = new LeakTracker.Slot();
    private volatile boolean closed;

    ListenerState(ContextState context, ProviderListener listener) {
        this.context = context;
        this.listener = listener;
    }

    InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    /** Waits for the next connection; every accepted one gets its own slots. */
    ConnectionState accept(Duration timeout) {
        return context.accept(listener, timeout);
    }

    void close() {
        if (!closed) {
            closed = true;
            leak.closed();
            listener.close();
            context.listenerClosed(this);
        }
    }
}

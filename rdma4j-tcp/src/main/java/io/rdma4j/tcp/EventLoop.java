package io.rdma4j.tcp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One provider thread playing the NIC for the endpoints assigned to it: a selector over their
 * non-blocking sockets. Every frame an endpoint receives is handled here, and every access to
 * registered memory on behalf of a peer happens here, which is what lets closing an endpoint
 * or a registration promise that no access follows.
 */
final class EventLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.tcp");
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<TcpEndpoint> endpoints = new ArrayList<>(); // loop thread only
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private volatile boolean closed;
    private long lastTick = System.nanoTime();
    /** Until when the loop polls its sockets, yielding, instead of blocking: a response is due. */
    private volatile long pollUntil;
    /**
     * How long after a request goes out the loop polls for its response before it blocks in
     * the selector; {@code -Drdma4j.tcp.pollMicros} overrides, 0 turns it off.
     */
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("rdma4j.tcp.pollMicros", 100));

    EventLoop(String name) {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
        thread.start();
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    Selector selector() {
        return selector;
    }

    /** Runs {@code task} on the loop thread, soon. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Makes a select in progress return, so interest changes take effect. */
    void wakeup() {
        selector.wakeup();
    }

    /** A request went out on one of this loop's endpoints when nothing was outstanding: its response is due soon. */
    void expectResponse(long now) {
        if (POLL_NANOS > 0) {
            pollUntil = now + POLL_NANOS;
        }
    }

    void attach(TcpEndpoint e) {
        endpoints.add(e);
    }

    void detach(TcpEndpoint e) {
        endpoints.remove(e);
    }

    private void run() {
        while (!closed) {
            try {
                Runnable t;
                while ((t = tasks.poll()) != null) {
                    t.run();
                }
                long timeout = TimeUnit.NANOSECONDS.toMillis(nextTimerDelay());
                if (timeout <= 0) {
                    selector.selectNow(onSelected);
                } else if (System.nanoTime() - pollUntil < 0) {
                    if (selector.selectNow(onSelected) == 0) {
                        Thread.yield();
                    }
                } else {
                    selector.select(onSelected, timeout);
                }
                long now = System.nanoTime();
                if (now - lastTick >= TICK_NANOS || hasDueTimer(now)) {
                    lastTick = now;
                    for (int i = endpoints.size() - 1; i >= 0; i--) {
                        endpoints.get(i).onTick(now);
                    }
                }
            } catch (Throwable e) {
                // Endpoints catch their own errors; this is a bug, not a peer's doing.
                LOG.log(System.Logger.Level.ERROR, "tcp provider event loop error", e);
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    private long nextTimerDelay() {
        long now = System.nanoTime();
        long next = lastTick + TICK_NANOS;
        for (int i = 0; i < endpoints.size(); i++) {
            long t = endpoints.get(i).timerDeadline();
            if (t != 0 && t - next < 0) {
                next = t;
            }
        }
        long d = next - now;
        return d <= 0 ? 0 : Math.max(d, TimeUnit.MILLISECONDS.toNanos(1));
    }

    private boolean hasDueTimer(long now) {
        for (int i = 0; i < endpoints.size(); i++) {
            long t = endpoints.get(i).timerDeadline();
            if (t != 0 && t - now <= 0) {
                return true;
            }
        }
        return false;
    }

    private void onSelected(SelectionKey key) {
        ((TcpEndpoint) key.attachment()).onReady(key);
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        if (!inLoop()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

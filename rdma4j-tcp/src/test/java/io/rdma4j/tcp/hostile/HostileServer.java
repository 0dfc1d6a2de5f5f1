package io.rdma4j.tcp.hostile;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.RdmaOptions;
import io.rdma4j.internal.ContextImpl;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The victim: an rdma4j context that accepts every connection, grants each one the middle third
 * of a fresh region whose outer thirds are canaries, and posts a receive. A hostile peer may
 * change the granted bytes and nothing else; {@link #check} proves it for every connection that
 * has ended, and that no provider or core thread logged an internal error.
 */
final class HostileServer implements AutoCloseable {
    static final int THIRD = 4096;
    static final byte CANARY = (byte) 0xC5;

    private record Victim(Connection connection, LocalMr region, LocalMr inbox) {}

    private final RdmaContext context;
    private final Listener listener;
    private final Thread acceptor;
    private final List<Victim> victims = new CopyOnWriteArrayList<>();
    private final List<String> internalErrors = new CopyOnWriteArrayList<>();
    private final Handler errorHandler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                internalErrors.add(r.getMessage() + (r.getThrown() == null ? "" : ": " + r.getThrown()));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private volatile long connectionsServed;

    HostileServer() {
        Logger.getLogger("io.rdma4j").addHandler(errorHandler);
        context = Rdma.open(RdmaOptions.builder().provider("tcp").operationTimeout(Duration.ofSeconds(5)).build());
        listener = context.listen(new InetSocketAddress("127.0.0.1", 0));
        acceptor = Thread.ofPlatform().name("hostile-acceptor").daemon(true).start(this::acceptLoop);
    }

    InetSocketAddress address() {
        return listener.localAddress();
    }

    private void acceptLoop() {
        while (context.isOpen()) {
            try {
                Connection c = listener.accept();
                LocalMr region = context.allocate(3L * THIRD);
                region.fill(0, THIRD, CANARY);
                region.fill(2L * THIRD, THIRD, CANARY);
                LocalMr inbox = context.allocate(1024);
                victims.add(new Victim(c, region, inbox));
                connectionsServed++;
                c.grant(region.slice(THIRD, THIRD), Access.REMOTE_ALL, Duration.ofMinutes(5));
                c.receiveAsync(inbox.slice()); // a hostile SEND may land here; failures are expected
            } catch (RdmaException e) {
                if (!context.isOpen()) {
                    return;
                }
            }
        }
    }

    long connectionsServed() {
        return connectionsServed;
    }

    /**
     * Checks the canaries of every connection that has closed and frees its memory; fails on the
     * first damage or internal error.
     *
     * @return how many connections were checked and retired
     */
    int check() {
        if (!internalErrors.isEmpty()) {
            throw new AssertionError("internal error logged while a hostile peer was served: " + internalErrors);
        }
        int retired = 0;
        for (Victim v : new ArrayList<>(victims)) {
            if (v.connection.isOpen()) {
                continue;
            }
            for (long i = 0; i < THIRD; i++) {
                if (v.region.getByte(i) != CANARY || v.region.getByte(2L * THIRD + i) != CANARY) {
                    throw new AssertionError("a hostile peer changed memory outside its grant, at offset "
                            + (v.region.getByte(i) != CANARY ? i : 2L * THIRD + i));
                }
            }
            v.connection.close();
            v.region.close();
            v.inbox.close();
            victims.remove(v);
            retired++;
        }
        return retired;
    }

    int open() {
        return victims.size();
    }

    long poolBytesInUse() {
        return ((ContextImpl) context).poolBytesInUse();
    }

    /** A well-behaved client still gets served: write, then read back. */
    void proveStillServing() {
        try (RdmaContext client = Rdma.open(RdmaOptions.builder().provider("tcp").build());
             Connection c = client.connect(address()); LocalMr m = client.allocate(64)) {
            var remote = c.acceptGrant();
            m.putLong(0, 0x1234_5678_9ABC_DEF0L);
            c.write(m.slice(0, 8), remote.slice(8, 8));
            m.putLong(0, 0);
            c.read(m.slice(0, 8), remote.slice(8, 8));
            if (m.getLong(0) != 0x1234_5678_9ABC_DEF0L) {
                throw new AssertionError("the server answered a good client wrongly");
            }
        }
    }

    @Override
    public void close() {
        listener.close();
        for (Victim v : victims) {
            v.connection.close();
        }
        check();
        context.close();
        Logger.getLogger("io.rdma4j").removeHandler(errorHandler);
    }
}

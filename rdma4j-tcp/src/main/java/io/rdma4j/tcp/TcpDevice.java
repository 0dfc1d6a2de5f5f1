package io.rdma4j.tcp;

import io.rdma4j.ResourceClosedException;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.DeviceLimits;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TCP provider's device: a key space for registrations and a few event loops that play the
 * NIC for the endpoints made from it.
 */
final class TcpDevice implements ProviderDevice {
    static final DeviceLimits LIMITS = new DeviceLimits(1 << 20, 16384, 1L << 30, 4096);

    private final ProviderConfig config;
    private final KeyTable<TcpRegistration> local = new KeyTable<>();
    private final AtomicInteger keys = new AtomicInteger((int) (System.nanoTime() & 0xFFFF) << 8);
    private final EventLoop[] loops;
    private final AtomicInteger nextLoop = new AtomicInteger();
    private volatile boolean closed;

    TcpDevice(ProviderConfig config) {
        this.config = config;
        int n = Integer.parseInt(config.property("ioThreads",
                String.valueOf(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())))));
        if (n < 1 || n > 256) {
            throw new IllegalArgumentException("rdma4j.tcp.ioThreads must be 1..256, not " + n);
        }
        loops = new EventLoop[n];
        for (int i = 0; i < n; i++) {
            loops[i] = new EventLoop("rdma4j-tcp-io-" + i);
        }
    }

    ProviderConfig config() {
        return config;
    }

    @Override
    public String providerName() {
        return TcpProvider.NAME;
    }

    @Override
    public String deviceName() {
        return "tcp";
    }

    @Override
    public DeviceLimits limits() {
        return LIMITS;
    }

    /** A fresh key, never 0, unique on this device: an rkey from one connection means nothing on another. */
    int nextKey() {
        int k;
        do {
            k = keys.incrementAndGet();
        } while (k == 0);
        return k;
    }

    @Override
    public MemoryRegistration register(MemorySegment segment, int access) {
        checkOpen();
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw new IllegalArgumentException("only native memory can be registered");
        }
        TcpRegistration r = new TcpRegistration(this, null, segment, nextKey(), access);
        local.put(r.lkey(), r);
        return r;
    }

    /** The local registration of {@code lkey}, or null. */
    TcpRegistration local(int lkey) {
        return local.get(lkey);
    }

    void forget(TcpRegistration r) {
        local.remove(r.lkey());
    }

    @Override
    public CompletionQueue createCompletionQueue(int capacity) {
        checkOpen();
        return new TcpCompletionQueue(capacity);
    }

    EventLoop nextLoop() {
        return loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)];
    }

    @Override
    public ProviderListener listen(InetSocketAddress address, int backlog) {
        checkOpen();
        return new TcpListener(this, address, backlog);
    }

    @Override
    public ProviderEndpoint connect(InetSocketAddress remote, EndpointSpec spec, Duration timeout) {
        checkOpen();
        return Handshake.connect(this, remote, spec, timeout);
    }

    private void checkOpen() {
        if (closed) {
            throw new ResourceClosedException("the tcp device is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EventLoop l : loops) {
            l.close();
        }
    }
}

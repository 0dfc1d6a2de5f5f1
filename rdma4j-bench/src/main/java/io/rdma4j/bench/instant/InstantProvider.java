package io.rdma4j.bench.instant;

import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.DeviceDescription;
import io.rdma4j.spi.DeviceLimits;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import io.rdma4j.spi.RdmaProvider;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A benchmark-only provider ({@code -Drdma4j.provider=instant}) whose operations take no time:
 * an in-process "NIC" that does a one-sided operation when it is posted and completes it at
 * once. What a benchmark then measures is rdma4j's own cost per operation (checks, lends,
 * slots, futures or handlers, polling), the part a real NIC cannot hide. Never chosen by
 * {@code auto}; not for anything but measuring.
 */
public final class InstantProvider implements RdmaProvider {
    static final DeviceLimits LIMITS = new DeviceLimits(1 << 16, 4096, 1L << 30, 4096);
    /** Registrations of every device of the process by key: a peer is in the same process. */
    private static final Map<Integer, MemoryRegistration> KEYS = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT_KEY = new AtomicInteger(1);
    private static final Map<Integer, Listener> LISTENERS = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT_PORT = new AtomicInteger(40_000);

    @Override
    public String name() {
        return "instant";
    }

    @Override
    public int priority() {
        return -100;
    }

    @Override
    public ProviderAvailability probe(ProviderConfig config) {
        return ProviderAvailability.yes();
    }

    @Override
    public ProviderDevice open(ProviderConfig config) {
        return new Device();
    }

    @Override
    public List<DeviceDescription> describeDevices() {
        return List.of();
    }

    /** One "device": registrations, queues, listeners and connections of one context. */
    static final class Device implements ProviderDevice {
        private final ExecutorService control = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "instant-control");
            t.setDaemon(true);
            return t;
        });

        @Override
        public String providerName() {
            return "instant";
        }

        @Override
        public String deviceName() {
            return "instant0";
        }

        @Override
        public DeviceLimits limits() {
            return LIMITS;
        }

        @Override
        public MemoryRegistration register(MemorySegment segment, int access) {
            int key = NEXT_KEY.getAndIncrement();
            MemoryRegistration r = new MemoryRegistration() {
                @Override
                public MemorySegment segment() {
                    return segment;
                }

                @Override
                public int lkey() {
                    return key;
                }

                @Override
                public int rkey() {
                    return key;
                }

                @Override
                public int access() {
                    return access;
                }

                @Override
                public void close() {
                    KEYS.remove(key);
                }
            };
            KEYS.put(key, r);
            return r;
        }

        /** The registered memory {@code [address, address + length)} of key {@code rkey}, or null. */
        MemorySegment remoteSegment(int rkey, long address, long length) {
            MemoryRegistration r = KEYS.get(rkey);
            if (r == null) {
                return null;
            }
            long off = address - r.segment().address();
            if (off < 0 || off + length > r.segment().byteSize()) {
                return null;
            }
            return r.segment().asSlice(off, length);
        }

        @Override
        public CompletionQueue createCompletionQueue(int capacity) {
            return new InstantQueue(capacity);
        }

        @Override
        public ProviderListener listen(InetSocketAddress address, int backlog) {
            int port = address.getPort() == 0 ? NEXT_PORT.getAndIncrement() : address.getPort();
            Listener l = new Listener(this, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            if (LISTENERS.putIfAbsent(port, l) != null) {
                throw new IllegalStateException("instant port " + port + " is taken");
            }
            return l;
        }

        @Override
        public ProviderEndpoint connect(InetSocketAddress remote, EndpointSpec spec, Duration timeout) {
            Listener l = LISTENERS.get(remote.getPort());
            if (l == null) {
                throw new io.rdma4j.ConnectionException("nothing listens on instant port " + remote.getPort());
            }
            InetSocketAddress local = new InetSocketAddress(InetAddress.getLoopbackAddress(), NEXT_PORT.getAndIncrement());
            InstantEndpoint mine = new InstantEndpoint(this, spec, local, remote, control);
            try {
                long nanos = timeout == null ? Long.MAX_VALUE : timeout.toNanos();
                if (!l.pending.offer(mine, nanos, TimeUnit.NANOSECONDS)) {
                    throw new io.rdma4j.ConnectionException("instant port " + remote.getPort() + " did not accept");
                }
                while (mine.peer == null) {
                    Thread.onSpinWait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.rdma4j.ConnectionException("interrupted while connecting");
            }
            return mine;
        }

        @Override
        public void close() {
            control.shutdown();
        }
    }

    /** Hands each connecting endpoint to the next accept, which makes its peer. */
    static final class Listener implements ProviderListener {
        final SynchronousQueue<InstantEndpoint> pending = new SynchronousQueue<>();
        private final Device device;
        private final InetSocketAddress address;

        Listener(Device device, InetSocketAddress address) {
            this.device = device;
            this.address = address;
        }

        @Override
        public ProviderEndpoint accept(EndpointSpec spec, Duration timeout) {
            try {
                InstantEndpoint client = timeout == null ? pending.take() // null: no time limit
                        : pending.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
                if (client == null) {
                    throw new io.rdma4j.ConnectionException("no connection within " + timeout);
                }
                InstantEndpoint server = new InstantEndpoint(device, spec, address, client.localAddress(), device.control);
                server.peer = client;
                client.peer = server;
                return server;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.rdma4j.ConnectionException("interrupted while accepting");
            }
        }

        @Override
        public InetSocketAddress localAddress() {
            return address;
        }

        @Override
        public void close() {
            LISTENERS.remove(address.getPort());
        }
    }
}

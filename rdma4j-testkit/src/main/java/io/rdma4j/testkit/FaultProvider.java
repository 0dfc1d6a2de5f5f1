package io.rdma4j.testkit;

import io.rdma4j.RdmaException;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.DeviceDescription;
import io.rdma4j.spi.DeviceLimits;
import io.rdma4j.spi.EndpointHandler;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.PartialPostException;
import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import io.rdma4j.spi.RdmaProvider;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A provider for fault tests only: the real provider named by the property {@code inner}
 * ({@code RdmaOptions.properties(Map.of("inner", "tcp"))}), whose connecting endpoints can be
 * made to take only part of a post list, as {@code ibv_post_send} may, or to hold or fail a
 * deregistration of memory granted to the peer (a test races others against a held one; a
 * failed one leaves the peer's key working, as a refused {@code ibv_dereg_mr} does), or to be
 * stranded: neither disconnected nor freed, as a queue pair {@code ibv_destroy_qp} refuses, or to
 * hold a control message coming in, or their disconnects (a test orders a race with them). Its
 * devices can be made to fail a deregistration of local memory (the context's pool).
 * Everything else, and every real effect, is the inner provider's. Never chosen by
 * {@code auto}.
 */
public final class FaultProvider implements RdmaProvider {
    /** The name to open it by. */
    public static final String NAME = "fault";
    private static final AtomicInteger REFUSE_FROM = new AtomicInteger(-1);
    private static final AtomicReference<CountDownLatch> DISCONNECT_GATE = new AtomicReference<>();
    private static final AtomicReference<HeldDeregistration> HELD_DEREGISTRATION = new AtomicReference<>();
    private static final AtomicReference<HeldControl> HELD_CONTROL = new AtomicReference<>();
    private static final AtomicBoolean FAIL_DEREGISTRATION = new AtomicBoolean();
    /** Registrations whose deregistration failed on purpose: {@link #release()} deregisters them for real. */
    private static final Queue<MemoryRegistration> FAILED = new ConcurrentLinkedQueue<>();
    private static final AtomicBoolean FAIL_LOCAL_DEREGISTRATION = new AtomicBoolean();
    /** The device this provider opened last; what {@link #localRegistrations()} reports on. */
    private static final AtomicReference<Device> LAST_DEVICE = new AtomicReference<>();
    private static final AtomicBoolean STRAND = new AtomicBoolean();
    /** Stranded endpoints, by the wrapper: {@link #release()} disconnects and frees them for real. */
    private static final Set<Endpoint> STRANDED = ConcurrentHashMap.newKeySet();

    /** For {@link ServiceLoader}. */
    public FaultProvider() {}

    /**
     * Arms a one-shot fault: the next post list of more than {@code posted} send-side requests,
     * on an endpoint this provider connected, posts its first {@code posted} to the inner
     * provider and refuses the rest with {@link PartialPostException}. Until
     * {@link #release()}, those endpoints' {@code disconnect} waits, so a test sees the state
     * between the refusal and the flush.
     *
     * @param posted how many requests of the list reach the device (at least 1)
     */
    public static void refuseNextPostAfter(int posted) {
        if (posted < 1) {
            throw new IllegalArgumentException("posted must be at least 1");
        }
        DISCONNECT_GATE.set(new CountDownLatch(1));
        REFUSE_FROM.set(posted);
    }

    /**
     * Arms a one-shot fault: the next deregistration of memory that an endpoint this provider
     * connected registered for its peer (a grant's revocation) waits before it reaches the inner
     * provider, until {@link #release()}. Meanwhile the peer's key still works.
     *
     * @return counted down when a deregistration is being held
     */
    public static CountDownLatch holdNextPeerDeregistration() {
        HeldDeregistration h = new HeldDeregistration(new CountDownLatch(1), new CountDownLatch(1));
        HELD_DEREGISTRATION.set(h);
        return h.holding();
    }

    /**
     * Arms a one-shot fault: the next control message (a grant, a refusal, a release...) that
     * reaches an endpoint this provider connected waits before the core sees it, until
     * {@link #letHeldControlMessageIn()} or {@link #release()}. The provider's thread that
     * delivers it waits too.
     *
     * @return counted down when a message is being held
     */
    public static CountDownLatch holdNextIncomingControlMessage() {
        HeldControl h = new HeldControl(new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1));
        HELD_CONTROL.set(h);
        return h.holding();
    }

    /**
     * Lets the message {@link #holdNextIncomingControlMessage()} held reach the core, and returns
     * once the core has handled it (boundedly).
     *
     * @throws IllegalStateException when no message is held
     */
    public static void letHeldControlMessageIn() {
        HeldControl h = HELD_CONTROL.getAndSet(null);
        if (h == null || h.holding().getCount() > 0) {
            throw new IllegalStateException("no control message is held");
        }
        h.gate().countDown();
        pass(h.handled());
    }

    /**
     * Until {@link #release()}, the disconnects of endpoints this provider connected wait: a test
     * sees a connection that is closing while its endpoint still carries messages.
     */
    public static void holdDisconnects() {
        DISCONNECT_GATE.set(new CountDownLatch(1));
    }

    /**
     * Arms a one-shot fault: the next deregistration of memory that an endpoint this provider
     * connected registered for its peer fails with an {@link RdmaException} and leaves the
     * registration in place, until {@link #release()} deregisters it for real.
     */
    public static void failNextPeerDeregistration() {
        FAIL_DEREGISTRATION.set(true);
    }

    /**
     * Arms a one-shot fault: the next deregistration of memory that a device of this provider
     * registered for local use (the context's pool: its chunks and dedicated blocks) fails with
     * an {@link RdmaException} and leaves the registration in place. The device's close then
     * deregisters it for real before the inner device closes, as closing a verbs device frees the
     * memory registrations it still holds.
     */
    public static void failNextLocalDeregistration() {
        FAIL_LOCAL_DEREGISTRATION.set(true);
    }

    /**
     * Memory registrations for local use of the device this provider opened last: how many are
     * registered now and, once that device closed, how many it still held when it did.
     *
     * @param live registered now (a failed deregistration leaves its registration counted)
     * @param atClose held when the device closed, or -1 while it is open
     */
    public record LocalRegistrations(int live, int atClose) {}

    /**
     * The local registrations of the device this provider opened last.
     *
     * @return the counts, or null when this provider has opened no device
     */
    public static LocalRegistrations localRegistrations() {
        Device d = LAST_DEVICE.get();
        return d == null ? null : new LocalRegistrations(d.live.get(), d.liveAtClose);
    }

    /**
     * Arms a one-shot fault: the next endpoint this provider connected to be disconnected is
     * stranded. Its disconnect does not reach the inner provider, so its work neither flushes
     * nor stops, and its close throws an {@link RdmaException} without freeing it: the device
     * may still reach the memory of that work, as when {@code ibv_destroy_qp} fails.
     * {@link #release()} disconnects and frees it for real.
     */
    public static void strandNextEndpoint() {
        STRAND.set(true);
    }

    /**
     * Lets held and later disconnects and deregistrations through, deregisters what a failed
     * deregistration left, frees stranded endpoints, and disarms a fault not yet used.
     */
    public static void release() {
        REFUSE_FROM.set(-1);
        FAIL_DEREGISTRATION.set(false);
        FAIL_LOCAL_DEREGISTRATION.set(false);
        STRAND.set(false);
        for (MemoryRegistration r; (r = FAILED.poll()) != null; ) {
            r.close();
        }
        for (Endpoint e : List.copyOf(STRANDED)) {
            STRANDED.remove(e);
            e.inner().disconnect();
            e.inner().close();
        }
        CountDownLatch gate = DISCONNECT_GATE.getAndSet(null);
        if (gate != null) {
            gate.countDown();
        }
        HeldDeregistration h = HELD_DEREGISTRATION.getAndSet(null);
        if (h != null) {
            h.gate().countDown();
        }
        HeldControl c = HELD_CONTROL.getAndSet(null);
        if (c != null) {
            c.gate().countDown();
        }
    }

    /** Waits on a test's gate, bounded: a test that forgets {@link #release()} still ends. */
    private static void pass(CountDownLatch gate) {
        try {
            gate.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An armed or engaged hold of a deregistration: signalled when engaged, passed when released. */
    private record HeldDeregistration(CountDownLatch holding, CountDownLatch gate) {}

    /** An armed or engaged hold of an incoming control message; {@code handled} once the core returned. */
    private record HeldControl(CountDownLatch holding, CountDownLatch gate, CountDownLatch handled) {}

    /** The core's callbacks of an endpoint this provider connected, where a control message may be held. */
    private record HoldingHandler(EndpointHandler core) implements EndpointHandler {
        @Override
        public void onControlMessage(MemorySegment message) {
            HeldControl h = HELD_CONTROL.get();
            if (h == null || h.holding().getCount() == 0) {
                core.onControlMessage(message);
                return;
            }
            h.holding().countDown(); // one-shot: the next message is not held
            pass(h.gate());
            try {
                core.onControlMessage(message);
            } finally {
                h.handled().countDown();
            }
        }

        @Override
        public void onDisconnected(Throwable cause) {
            core.onDisconnected(cause);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return Integer.MIN_VALUE;
    }

    @Override
    public ProviderAvailability probe(ProviderConfig config) {
        String inner = config.property("inner", null);
        if (inner == null) {
            return ProviderAvailability.no("a test-only wrapper; it needs the property inner (the provider to wrap)",
                    "open it with RdmaOptions.properties(Map.of(\"inner\", \"tcp\"))");
        }
        return inner(inner).probe(innerConfig(config, inner));
    }

    @Override
    public ProviderDevice open(ProviderConfig config) {
        String inner = config.property("inner", "");
        Device d = new Device(inner(inner).open(innerConfig(config, inner)));
        LAST_DEVICE.set(d);
        return d;
    }

    @Override
    public List<DeviceDescription> describeDevices() {
        return List.of();
    }

    private static RdmaProvider inner(String name) {
        return ServiceLoader.load(RdmaProvider.class, FaultProvider.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(name) && !p.name().equals(NAME))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no provider named '" + name + "' to wrap"));
    }

    /** The inner provider's own {@code rdma4j.<inner>.*} system properties, then the options' ones. */
    private static ProviderConfig innerConfig(ProviderConfig c, String inner) {
        Map<String, String> props = ProviderConfig.systemProperties(inner);
        props.putAll(c.properties());
        props.remove("inner");
        return new ProviderConfig(c.device(), c.port(), c.gidIndex(), c.rnrRetry(), c.rnrDelay(), c.retryCount(),
                c.ackTimeout(), props);
    }

    private static final class Device implements ProviderDevice {
        private final ProviderDevice inner;
        /** Local registrations not deregistered (a failed deregistration's included). */
        private final AtomicInteger live = new AtomicInteger();
        /** Registrations whose deregistration failed on purpose; deregistered for real at close. */
        private final Queue<MemoryRegistration> failed = new ConcurrentLinkedQueue<>();
        private volatile int liveAtClose = -1;

        Device(ProviderDevice inner) {
            this.inner = inner;
        }

        @Override
        public String providerName() {
            return NAME;
        }

        @Override
        public String deviceName() {
            return inner.deviceName();
        }

        @Override
        public DeviceLimits limits() {
            return inner.limits();
        }

        @Override
        public MemoryRegistration register(MemorySegment segment, int access) {
            MemoryRegistration r = new LocalRegistration(this, inner.register(segment, access));
            live.incrementAndGet();
            return r;
        }

        @Override
        public CompletionQueue createCompletionQueue(int capacity) {
            return inner.createCompletionQueue(capacity);
        }

        @Override
        public ProviderListener listen(InetSocketAddress address, int backlog) {
            return inner.listen(address, backlog); // accepted endpoints are the inner provider's own
        }

        @Override
        public ProviderEndpoint connect(InetSocketAddress remote, EndpointSpec spec, Duration timeout) {
            EndpointSpec holding = new EndpointSpec(spec.sendQueue(), spec.receiveQueue(), spec.sendQueueDepth(),
                    spec.receiveQueueDepth(), new HoldingHandler(spec.handler()));
            return new Endpoint(inner.connect(remote, holding, timeout));
        }

        @Override
        public void close() {
            liveAtClose = live.get();
            for (MemoryRegistration r; (r = failed.poll()) != null; ) {
                r.close();
                live.decrementAndGet();
            }
            inner.close();
        }
    }

    /** A registration of the inner provider's; the subclasses' {@code close} adds the faults. */
    private abstract static class WrappedRegistration implements MemoryRegistration {
        final MemoryRegistration inner;

        WrappedRegistration(MemoryRegistration inner) {
            this.inner = inner;
        }

        @Override
        public MemorySegment segment() {
            return inner.segment();
        }

        @Override
        public int lkey() {
            return inner.lkey();
        }

        @Override
        public int rkey() {
            return inner.rkey();
        }

        @Override
        public int access() {
            return inner.access();
        }
    }

    /** Memory registered for local use, whose deregistration a test may make fail. */
    private static final class LocalRegistration extends WrappedRegistration {
        private final Device device;

        LocalRegistration(Device device, MemoryRegistration inner) {
            super(inner);
            this.device = device;
        }

        @Override
        public void close() {
            if (FAIL_LOCAL_DEREGISTRATION.compareAndSet(true, false)) {
                device.failed.add(inner);
                throw new RdmaException("deregistering memory failed: refused by " + NAME + " (a test fault)");
            }
            inner.close();
            device.live.decrementAndGet();
        }
    }

    private record Endpoint(ProviderEndpoint inner) implements ProviderEndpoint {
        @Override
        public void postSend(WorkRequest[] requests, int offset, int count) {
            int from = REFUSE_FROM.get();
            if (from > 0 && count > from && REFUSE_FROM.compareAndSet(from, -1)) {
                inner.postSend(requests, offset, from);
                throw new PartialPostException("refused by " + NAME + " (a test fault): the first " + from + " of "
                        + count + " were posted", from);
            }
            inner.postSend(requests, offset, count);
        }

        @Override
        public boolean selectiveSignaling() {
            return inner.selectiveSignaling();
        }

        @Override
        public void postReceive(WorkRequest[] requests, int offset, int count) {
            inner.postReceive(requests, offset, count);
        }

        @Override
        public MemoryRegistration registerForPeer(MemorySegment segment, int access) {
            return new PeerRegistration(inner.registerForPeer(segment, access));
        }

        @Override
        public void sendControl(MemorySegment message) {
            inner.sendControl(message);
        }

        @Override
        public void disconnect() {
            if (STRANDED.contains(this) || STRAND.compareAndSet(true, false) && STRANDED.add(this)) {
                return; // stranded: the device goes on with this endpoint's work
            }
            CountDownLatch gate = DISCONNECT_GATE.get();
            if (gate != null) {
                pass(gate);
            }
            inner.disconnect();
        }

        @Override
        public InetSocketAddress localAddress() {
            return inner.localAddress();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return inner.remoteAddress();
        }

        @Override
        public void close() {
            if (STRANDED.contains(this)) {
                throw new RdmaException("freeing the endpoint failed: refused by " + NAME + " (a test fault)");
            }
            inner.close();
        }
    }

    /** Memory registered for the peer, whose deregistration a test may hold. */
    private static final class PeerRegistration extends WrappedRegistration {
        PeerRegistration(MemoryRegistration inner) {
            super(inner);
        }

        @Override
        public void close() {
            if (FAIL_DEREGISTRATION.compareAndSet(true, false)) {
                FAILED.add(inner);
                throw new RdmaException("deregistering memory failed: refused by " + NAME + " (a test fault)");
            }
            HeldDeregistration h = HELD_DEREGISTRATION.get();
            if (h != null && h.holding().getCount() > 0) {
                h.holding().countDown(); // one-shot: a second deregistration is not held
                pass(h.gate());
            }
            inner.close();
        }
    }
}

package io.rdma4j.bench.instant;

import io.rdma4j.spi.EndpointHandler;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * One end of an in-process connection whose "NIC" does each WRITE, READ and atomic at post time
 * and completes it at once; as verbs and tcp, it reports an unsignaled request only when it
 * fails. SENDs and receives are not supported: the benchmarks that use this measure the core's
 * cost of a one-sided operation. Control messages reach the peer's handler on the device's
 * control thread, as a provider's own thread would deliver them.
 */
final class InstantEndpoint implements ProviderEndpoint {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final InstantProvider.Device device;
    private final EndpointSpec spec;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final Executor control;
    volatile InstantEndpoint peer;
    private volatile boolean open = true;

    InstantEndpoint(InstantProvider.Device device, EndpointSpec spec, InetSocketAddress local, InetSocketAddress remote,
                    Executor control) {
        this.device = device;
        this.spec = spec;
        this.local = local;
        this.remote = remote;
        this.control = control;
    }

    @Override
    public void postSend(WorkRequest[] requests, int offset, int count) {
        InstantQueue cq = (InstantQueue) spec.sendQueue();
        for (int i = offset; i < offset + count; i++) {
            WorkRequest wr = requests[i];
            if (!open) {
                cq.push(wr.wrId(), 5 /* IBV_WC_WR_FLUSH_ERR */, wr.opcode(), 0);
                continue;
            }
            MemorySegment src = wr.local();
            MemorySegment target = device.remoteSegment(wr.rkey(), wr.remoteAddress(),
                    wr.opcode() == WorkOpcode.FETCH_AND_ADD || wr.opcode() == WorkOpcode.COMPARE_AND_SWAP ? 8 : src.byteSize());
            if (target == null) {
                cq.push(wr.wrId(), 10 /* IBV_WC_REM_ACCESS_ERR */, wr.opcode(), 0);
                open = false;
                continue;
            }
            switch (wr.opcode()) {
                case WRITE -> MemorySegment.copy(src, 0, target, 0, src.byteSize());
                case READ -> MemorySegment.copy(target, 0, src, 0, src.byteSize());
                case FETCH_AND_ADD -> src.set(ValueLayout.JAVA_LONG_UNALIGNED, 0,
                        (long) LONG.getAndAdd(target, 0L, wr.compareOrAdd()));
                case COMPARE_AND_SWAP -> src.set(ValueLayout.JAVA_LONG_UNALIGNED, 0,
                        (long) LONG.compareAndExchange(target, 0L, wr.compareOrAdd(), wr.swap()));
                default -> throw new UnsupportedOperationException("the instant provider does " + wr.opcode() + " not");
            }
            if (wr.signaled()) { // as a NIC: an unsignaled request that succeeded reports nothing
                cq.push(wr.wrId(), 0, wr.opcode(), (int) src.byteSize());
            }
        }
    }

    /** As verbs and tcp: the core asks for one completion per post list, the last. */
    @Override
    public boolean selectiveSignaling() {
        return true;
    }

    @Override
    public void postReceive(WorkRequest[] requests, int offset, int count) {
        throw new UnsupportedOperationException("the instant provider has no two-sided operations");
    }

    @Override
    public MemoryRegistration registerForPeer(MemorySegment segment, int access) {
        return device.register(segment, access);
    }

    @Override
    public void sendControl(MemorySegment message) {
        InstantEndpoint p = peer;
        MemorySegment copy = MemorySegment.ofArray(message.toArray(ValueLayout.JAVA_BYTE));
        control.execute(() -> p.spec.handler().onControlMessage(copy));
    }

    @Override
    public void disconnect() {
        open = false;
        InstantEndpoint p = peer;
        if (p != null && p.open) {
            p.open = false;
            control.execute(() -> p.spec.handler().onDisconnected(new io.rdma4j.ConnectionClosedException("the peer disconnected")));
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public void close() {
        disconnect();
    }
}

package io.rdma4j.verbs.interop;

import io.rdma4j.ConnectionException;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.EndpointHandler;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import io.rdma4j.verbs.VerbsProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Our side of an interop test: the verbs provider through its SPI (device, completion queue,
 * endpoint, registrations, work requests), as the core drives it, with raw rkeys and addresses
 * where a foreign protocol carries them (rping's buffer advertisements).
 */
final class SpiPeer implements AutoCloseable {
    /** One work completion. */
    record Completion(long wrId, int status, WorkOpcode opcode, int byteLength) {}

    final ProviderDevice device;
    final CompletionQueue cq;
    private final Arena arena = Arena.ofShared();
    private final List<MemoryRegistration> registrations = new ArrayList<>();
    private final ArrayDeque<Completion> completions = new ArrayDeque<>();
    private final WorkRequest[] wr = {new WorkRequest()};
    volatile Throwable disconnected;
    ProviderEndpoint endpoint;
    ProviderListener listener;

    SpiPeer(ProviderConfig config) {
        this.device = new VerbsProvider().open(config);
        this.cq = device.createCompletionQueue(256);
    }

    EndpointSpec spec() {
        return new EndpointSpec(cq, cq, 32, 32, new EndpointHandler() {
            @Override
            public void onControlMessage(MemorySegment message) {
                throw new AssertionError("a control message from a foreign peer");
            }

            @Override
            public void onDisconnected(Throwable cause) {
                disconnected = cause;
            }
        });
    }

    /** Connects, retrying while the tool is still starting (nobody listening yet). */
    void connect(InetSocketAddress remote, Tool tool, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                endpoint = device.connect(remote, spec(), Duration.ofSeconds(10));
                System.out.println("interop: connected " + endpoint);
                return;
            } catch (ConnectionException e) {
                if (!tool.alive()) {
                    throw new AssertionError("the tool ended before we could connect:\n" + tool.report(), e);
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not connect to " + remote + " in " + timeout + ": " + e, e);
                }
                Thread.sleep(250);
            }
        }
    }

    void listen(InetSocketAddress address) {
        listener = device.listen(address, 4);
    }

    void accept(Duration timeout) {
        endpoint = listener.accept(spec(), timeout);
        System.out.println("interop: accepted " + endpoint);
    }

    /** Zeroed native memory registered with {@code access} for the peer (its own rkey). */
    MemoryRegistration register(long size, int access) {
        MemorySegment s = arena.allocate(size, 4096);
        MemoryRegistration r = endpoint.registerForPeer(s, access);
        registrations.add(r);
        return r;
    }

    void postReceive(long wrId, MemoryRegistration r, long offset, long length) {
        wr[0].set(wrId, WorkOpcode.RECV, r.segment().asSlice(offset, length), r.lkey());
        endpoint.postReceive(wr, 0, 1);
    }

    void postSend(long wrId, MemoryRegistration r, long offset, long length) {
        wr[0].set(wrId, WorkOpcode.SEND, r.segment().asSlice(offset, length), r.lkey());
        endpoint.postSend(wr, 0, 1);
    }

    void postRdma(long wrId, WorkOpcode opcode, MemoryRegistration r, long offset, long length, long remoteAddress,
                  int rkey) {
        wr[0].set(wrId, opcode, r.segment().asSlice(offset, length), r.lkey()).remote(remoteAddress, rkey);
        endpoint.postSend(wr, 0, 1);
    }

    /** The next completion, in completion order; fails the test after {@code timeout}. */
    Completion next(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (completions.isEmpty()) {
            int n = cq.poll((wrId, status, opcode, byteLength, imm, hasImm, vendor) ->
                    completions.add(new Completion(wrId, status, opcode, byteLength)), 16);
            if (n == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no completion in " + timeout + " (peer gone: " + disconnected + ")");
                }
                cq.await(Math.min(left, 20_000_000L));
            }
        }
        return completions.poll();
    }

    /** The next completion, which must be a success of {@code wrId}. */
    Completion expect(long wrId, Duration timeout) throws InterruptedException {
        Completion c = next(timeout);
        if (c.status() != 0 || c.wrId() != wrId) {
            throw new AssertionError("expected a successful completion of wr " + wrId + ", got " + c);
        }
        return c;
    }

    /** Completions until every one of {@code wrIds} has succeeded, in any order; anything else fails. */
    java.util.Map<Long, Completion> awaitAll(Duration timeout, long... wrIds) throws InterruptedException {
        java.util.Map<Long, Completion> seen = new java.util.HashMap<>();
        java.util.Set<Long> wanted = new java.util.HashSet<>();
        for (long id : wrIds) {
            wanted.add(id);
        }
        while (!seen.keySet().containsAll(wanted)) {
            Completion c = next(timeout);
            if (c.status() != 0 || !wanted.contains(c.wrId())) {
                throw new AssertionError("waiting for work requests " + wanted + " (done: " + seen.keySet()
                        + "), got " + c + (c.status() == 0 ? "" : " (status " + c.status() + ")"));
            }
            seen.put(c.wrId(), c);
        }
        return seen;
    }

    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.disconnect();
            // let the flushes of what is still posted arrive before the queue goes
            try {
                long end = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < end && cq.poll((a, b, c, d, e, f, g) -> { }, 64) > 0) {
                    // drain
                }
            } catch (RuntimeException ignored) {
                // best effort
            }
            endpoint.close();
        }
        if (listener != null) {
            listener.close();
        }
        for (MemoryRegistration r : registrations) {
            r.close();
        }
        cq.close();
        device.close();
        arena.close();
    }
}

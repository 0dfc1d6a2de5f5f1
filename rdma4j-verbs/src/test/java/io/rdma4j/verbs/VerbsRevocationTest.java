package io.rdma4j.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.EndpointHandler;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Revocation is the hardware's check, not only the core's: through the SPI (no core checks in
 * the way) a peer writes with the rkey of {@link ProviderEndpoint#registerForPeer}; after the
 * registration is closed the same write completes with REM_ACCESS_ERR and the memory is unchanged.
 * Also: control messages arrive in order.
 */
@Timeout(180)
class VerbsRevocationTest {

    record Wc(long wrId, int status, WorkOpcode opcode, int bytes) {}

    static List<Wc> await(CompletionQueue q, int n) throws InterruptedException {
        List<Wc> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (got.size() < n) {
            if (q.poll((id, st, op, len, imm, hasImm, vendor) -> got.add(new Wc(id, st, op, len)), 16) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + got + " of " + n + " completions");
                }
                q.await(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
        return got;
    }

    static final class Handler implements EndpointHandler {
        final List<byte[]> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Throwable> disconnected = new CompletableFuture<>();

        @Override
        public void onControlMessage(MemorySegment message) {
            messages.add(message.toArray(ValueLayout.JAVA_BYTE));
        }

        @Override
        public void onDisconnected(Throwable cause) {
            disconnected.complete(cause);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cm", "oob"})
    void aClosedPeerRegistrationFailsWithRemoteAccessError(String mode) throws Exception {
        SoftRoce.assumeDevice();
        VerbsProvider p = new VerbsProvider();
        var config = SoftRoce.config(Map.of("connect", mode));
        try (Arena arena = Arena.ofShared(); ProviderDevice sd = p.open(config); ProviderDevice cd = p.open(config)) {
            CompletionQueue sq = sd.createCompletionQueue(64);
            CompletionQueue cq = cd.createCompletionQueue(64);
            Handler sh = new Handler();
            Handler ch = new Handler();
            ProviderListener l = sd.listen(new InetSocketAddress(SoftRoce.address(), 0), 8);
            CompletableFuture<ProviderEndpoint> acc = CompletableFuture.supplyAsync(
                    () -> l.accept(new EndpointSpec(sq, sq, 16, 16, sh), Duration.ofSeconds(60)));
            ProviderEndpoint c = cd.connect(l.localAddress(), new EndpointSpec(cq, cq, 16, 16, ch), Duration.ofSeconds(60));
            ProviderEndpoint s = acc.get(60, TimeUnit.SECONDS);

            for (int i = 0; i < 40; i++) { // more than the control channel's buffers: flow control holds
                c.sendControl(MemorySegment.ofArray(new byte[] {(byte) i, 1, 2, 3}));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sh.messages.size() < 40 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(40, sh.messages.size(), "control messages received");
            for (int i = 0; i < 40; i++) {
                assertEquals((byte) i, sh.messages.get(i)[0], "control message order");
            }

            MemorySegment target = arena.allocate(4096, 4096);
            MemoryRegistration granted = s.registerForPeer(target, AccessFlags.REMOTE_WRITE | AccessFlags.LOCAL_WRITE);
            MemorySegment src = arena.allocate(4096, 4096);
            MemoryRegistration local = cd.register(src, AccessFlags.LOCAL_WRITE);
            src.set(ValueLayout.JAVA_LONG, 0, 0x1111L);
            WorkRequest w = new WorkRequest().set(1, WorkOpcode.WRITE, src.asSlice(0, 8), local.lkey())
                    .remote(target.address(), granted.rkey());
            c.postSend(new WorkRequest[] {w}, 0, 1);
            assertEquals(0, await(cq, 1).get(0).status());
            assertEquals(0x1111L, target.get(ValueLayout.JAVA_LONG, 0));

            granted.close();
            src.set(ValueLayout.JAVA_LONG, 0, 0x2222L);
            w.set(2, WorkOpcode.WRITE, src.asSlice(0, 8), local.lkey()).remote(target.address(), granted.rkey());
            c.postSend(new WorkRequest[] {w}, 0, 1);
            Wc failed = await(cq, 1).get(0);
            assertEquals(10, failed.status(), "IBV_WC_REM_ACCESS_ERR expected, got " + failed);
            assertEquals(0x1111L, target.get(ValueLayout.JAVA_LONG, 0), "the write landed after revocation");

            c.disconnect();
            c.close();
            sh.disconnected.get(30, TimeUnit.SECONDS);
            s.close();
            l.close();
            local.close();
            sq.close();
            cq.close();
        }
    }
}

package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.WcStatus;
import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.RdmaProvider;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * What the core relies on when a provider claims {@link ProviderEndpoint#selectiveSignaling}, checked
 * through the SPI with no core in the way: unsignaled requests that succeed report nothing, the
 * signaled one after them reports, and an unsignaled one that fails reports its failure while
 * the signaled one after it flushes. A provider's test calls {@link #run} with its own device.
 */
public final class SelectiveSignalingCheck {
    private SelectiveSignalingCheck() {
    }

    /**
     * Connects two endpoints of {@code provider} on {@code host} and checks the semantics.
     *
     * @param provider the provider
     * @param config how to open its devices
     * @param host the address to listen on
     * @throws Exception when the check fails or setting up does
     */
    public static void run(RdmaProvider provider, ProviderConfig config, String host) throws Exception {
        try (Arena arena = Arena.ofShared(); SpiPair pair = SpiPair.connect(provider, config, host)) {
            ProviderEndpoint c = pair.client();
            ProviderEndpoint s = pair.server();
            ProviderDevice cd = pair.clientDevice();
            assertTrue(c.selectiveSignaling(), "the provider claims selective signaling");

            MemorySegment target = arena.allocate(4096, 4096);
            MemoryRegistration granted = s.registerForPeer(target, AccessFlags.REMOTE_WRITE | AccessFlags.LOCAL_WRITE);
            MemorySegment revokedMemory = arena.allocate(4096, 4096);
            MemoryRegistration revoked = s.registerForPeer(revokedMemory, AccessFlags.REMOTE_WRITE | AccessFlags.LOCAL_WRITE);
            int staleRkey = revoked.rkey();
            revoked.close();
            MemorySegment src = arena.allocate(4096, 4096);
            MemoryRegistration local = cd.register(src, AccessFlags.LOCAL_WRITE);
            for (int i = 0; i < 8; i++) {
                src.set(ValueLayout.JAVA_LONG, 8L * i, 0x1000L + i);
            }

            // three WRITEs, two unsignaled: one completion, and all three landed
            WorkRequest[] wrs = {new WorkRequest(), new WorkRequest(), new WorkRequest()};
            for (int i = 0; i < 3; i++) {
                wrs[i].set(i + 1, WorkOpcode.WRITE, src.asSlice(8L * i, 8), local.lkey()).remote(target.address() + 8L * i, granted.rkey());
            }
            wrs[0].unsignaled();
            wrs[1].unsignaled();
            c.postSend(wrs, 0, 3);
            assertEquals(List.of(new SpiPair.Wc(3, 0)), pair.awaitClientCompletions(1), "only the signaled request reports");
            for (int i = 0; i < 3; i++) {
                assertEquals(0x1000L + i, target.get(ValueLayout.JAVA_LONG, 8L * i), "WRITE " + (i + 1) + " landed");
            }

            // an unsignaled WRITE, an unsignaled one with a revoked rkey, a signaled one: the
            // failure reports itself, the signaled one flushes, the first succeeded silently
            for (int i = 0; i < 3; i++) {
                long at = 8L * (3 + i);
                wrs[i].set(4 + i, WorkOpcode.WRITE, src.asSlice(at, 8), local.lkey())
                        .remote(i == 1 ? revokedMemory.address() : target.address() + at, i == 1 ? staleRkey : granted.rkey());
            }
            wrs[0].unsignaled();
            wrs[1].unsignaled();
            c.postSend(wrs, 0, 3);
            assertEquals(List.of(new SpiPair.Wc(5, WcStatus.REM_ACCESS_ERR.code()), new SpiPair.Wc(6, WcStatus.WR_FLUSH_ERR.code())),
                    pair.awaitClientCompletions(2), "the failed unsignaled request, then the flushed signaled one");
            assertEquals(0x1003L, target.get(ValueLayout.JAVA_LONG, 24), "the unsignaled WRITE before the failure landed");
            assertEquals(0, pair.awaitClientCompletions(0).size(), "no completion for the successful unsignaled WRITE");

            local.close();
            granted.close();
        }
    }
}

package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.RdmaProvider;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Whether a libibverbs provider posts small payloads inline ({@code IBV_SEND_INLINE}), checked
 * through the SPI on a real device. An inline payload is copied into the work request as it is
 * posted, so the device never checks its lkey: a WRITE of the endpoint's inline limit carrying
 * a wrong lkey lands, and one a byte longer, fetched from registered memory, fails.
 */
public final class InlineDataCheck {
    private InlineDataCheck() {
    }

    /**
     * Runs the check.
     *
     * @param provider the provider
     * @param config how to open its devices
     * @param host the address to listen on
     * @param inlineLimit how many payload bytes the given endpoint posts inline
     * @throws Exception when the check fails or setting up does
     */
    public static void run(RdmaProvider provider, ProviderConfig config, String host,
                           ToIntFunction<ProviderEndpoint> inlineLimit) throws Exception {
        try (Arena arena = Arena.ofShared(); SpiPair pair = SpiPair.connect(provider, config, host)) {
            int limit = inlineLimit.applyAsInt(pair.client());
            assertTrue(limit >= 64 && limit < 4096, "the client endpoint's inline limit, " + limit + " bytes");
            MemorySegment target = arena.allocate(8192, 4096);
            MemoryRegistration granted = pair.server().registerForPeer(target,
                    AccessFlags.REMOTE_WRITE | AccessFlags.LOCAL_WRITE);
            MemorySegment src = arena.allocate(4096, 4096);
            MemoryRegistration local = pair.clientDevice().register(src, AccessFlags.LOCAL_WRITE);
            byte[] data = Patterns.bytes(31, limit + 1);
            MemorySegment.copy(data, 0, src, ValueLayout.JAVA_BYTE, 0, data.length);
            int wrongLkey = ~local.lkey(); // names no memory region of this device
            WorkRequest[] w = {new WorkRequest()};

            w[0].set(1, WorkOpcode.WRITE, src.asSlice(0, limit), wrongLkey).remote(target.address(), granted.rkey());
            pair.client().postSend(w, 0, 1);
            assertEquals(List.of(new SpiPair.Wc(1, 0)), pair.awaitClientCompletions(1),
                    "a WRITE of " + limit + " bytes (the inline limit) with a wrong lkey: inline, the lkey is not checked");
            assertArrayEquals(Arrays.copyOf(data, limit), target.asSlice(0, limit).toArray(ValueLayout.JAVA_BYTE),
                    "what the inline WRITE wrote");

            w[0].set(2, WorkOpcode.WRITE, src.asSlice(0, limit + 1), wrongLkey).remote(target.address() + 4096, granted.rkey());
            pair.client().postSend(w, 0, 1);
            List<SpiPair.Wc> got = pair.awaitClientCompletions(1);
            assertEquals(1, got.size(), "one completion for the WRITE a byte over the inline limit: " + got);
            assertEquals(2, got.getFirst().wrId(), "the WRITE a byte over the inline limit: " + got);
            assertNotEquals(0, got.getFirst().status(),
                    "a WRITE of " + (limit + 1) + " bytes with a wrong lkey: not inline, so the device checks the lkey");
            assertEquals(0, target.get(ValueLayout.JAVA_LONG, 4096), "the refused WRITE changed its target");
            local.close();
            granted.close();
        }
    }
}

package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.PartialPostException;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.RdmaProvider;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * What the core relies on when a provider's post stops part-way through a list, checked through
 * the SPI: {@link PartialPostException#posted()} says how many requests the device took, and
 * exactly those complete. For providers that refuse a misaligned atomic when it is posted, as
 * the libibverbs providers do ({@code ibv_post_send} returns EINVAL and names it in
 * {@code bad_wr}); the tcp provider leaves that to the peer.
 */
public final class PartialPostCheck {
    private PartialPostCheck() {
    }

    /**
     * Posts WRITE, WRITE, a fetch-and-add at a misaligned address, WRITE, all signaled, and
     * checks that the first two were posted and completed and the rest were not.
     *
     * @param provider the provider
     * @param config how to open its devices
     * @param host the address to listen on
     * @throws Exception when the check fails or setting up does
     */
    public static void run(RdmaProvider provider, ProviderConfig config, String host) throws Exception {
        try (Arena arena = Arena.ofShared(); SpiPair pair = SpiPair.connect(provider, config, host)) {
            MemorySegment target = arena.allocate(4096, 4096);
            MemoryRegistration granted = pair.server().registerForPeer(target,
                    AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_ATOMIC | AccessFlags.LOCAL_WRITE);
            MemorySegment src = arena.allocate(4096, 4096);
            MemoryRegistration local = pair.clientDevice().register(src, AccessFlags.LOCAL_WRITE);
            for (int i = 0; i < 8; i++) {
                src.set(ValueLayout.JAVA_LONG, 8L * i, 0x2000L + i);
            }
            WorkRequest[] wrs = {new WorkRequest(), new WorkRequest(), new WorkRequest(), new WorkRequest()};
            wrs[0].set(1, WorkOpcode.WRITE, src.asSlice(0, 8), local.lkey()).remote(target.address(), granted.rkey());
            wrs[1].set(2, WorkOpcode.WRITE, src.asSlice(8, 8), local.lkey()).remote(target.address() + 8, granted.rkey());
            wrs[2].set(3, WorkOpcode.FETCH_AND_ADD, src.asSlice(64, 8), local.lkey())
                    .remote(target.address() + 20, granted.rkey()).atomic(1, 0); // not 8-byte aligned
            wrs[3].set(4, WorkOpcode.WRITE, src.asSlice(24, 8), local.lkey()).remote(target.address() + 24, granted.rkey());

            PartialPostException e = assertThrows(PartialPostException.class, () -> pair.client().postSend(wrs, 0, 4),
                    "a list whose third request is a misaligned atomic");
            assertEquals(2, e.posted(), "the requests before the bad one were posted: " + e.getMessage());
            assertEquals(List.of(new SpiPair.Wc(1, 0), new SpiPair.Wc(2, 0)),
                    pair.awaitClientCompletions(2), "the two posted WRITEs, and nothing else");
            assertEquals(0x2000L, target.get(ValueLayout.JAVA_LONG, 0), "the first WRITE landed");
            assertEquals(0x2001L, target.get(ValueLayout.JAVA_LONG, 8), "the second WRITE landed");
            assertEquals(0, target.get(ValueLayout.JAVA_LONG, 24), "the WRITE after the refused atomic landed");
            assertEquals(0, target.get(ValueLayout.JAVA_LONG, 16), "the refused atomic changed its target");
            local.close();
            granted.close();
        }
    }
}

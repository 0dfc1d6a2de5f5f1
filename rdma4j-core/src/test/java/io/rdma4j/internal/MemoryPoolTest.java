package io.rdma4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.DeviceLimits;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The buddy allocator on its own: alignment, no overlap, zeroing, merging back to whole chunks. */
class MemoryPoolTest {
    /** Counts registrations; the pool needs nothing else from a device. */
    static final class CountingDevice implements ProviderDevice {
        final AtomicInteger live = new AtomicInteger();

        @Override public String providerName() { return "test"; }
        @Override public String deviceName() { return "test0"; }
        @Override public DeviceLimits limits() { return new DeviceLimits(1 << 16, 1 << 14, 1L << 30, 4096); }

        @Override
        public MemoryRegistration register(MemorySegment segment, int access) {
            live.incrementAndGet();
            return new MemoryRegistration() {
                private boolean closed;
                @Override public MemorySegment segment() { return segment; }
                @Override public int lkey() { return 1; }
                @Override public int rkey() { return 0; }
                @Override public int access() { return access; }
                @Override public void close() {
                    if (!closed) {
                        closed = true;
                        live.decrementAndGet();
                    }
                }
            };
        }

        @Override public CompletionQueue createCompletionQueue(int capacity) { throw new UnsupportedOperationException(); }
        @Override public ProviderListener listen(InetSocketAddress a, int b) { throw new UnsupportedOperationException(); }
        @Override public ProviderEndpoint connect(InetSocketAddress r, EndpointSpec s, Duration t) { throw new UnsupportedOperationException(); }
        @Override public void close() {}
    }

    private final CountingDevice device = new CountingDevice();

    @Test
    void blocksAreAlignedDisjointAndZeroed() {
        try (MemoryPool pool = new MemoryPool(device, 1 << 20)) {
            Random rnd = new Random(42);
            List<MemoryPool.Block> blocks = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                long size = 1 + rnd.nextInt(20_000);
                long align = 1L << rnd.nextInt(13);
                MemoryPool.Block b = pool.allocate(size, align);
                assertEquals(size, b.segment().byteSize());
                assertEquals(0, b.segment().address() % align, "alignment " + align);
                for (long j = 0; j < size; j += 97) {
                    assertEquals(0, b.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, j), "zeroed");
                }
                b.segment().fill((byte) 0x5A);
                blocks.add(b);
            }
            blocks.sort((x, y) -> Long.compare(x.segment().address(), y.segment().address()));
            for (int i = 1; i < blocks.size(); i++) {
                MemorySegment prev = blocks.get(i - 1).segment();
                assertTrue(prev.address() + prev.byteSize() <= blocks.get(i).segment().address(), "blocks overlap");
            }
            for (MemoryPool.Block b : blocks) {
                pool.free(b);
            }
            assertEquals(0, pool.bytesInUse());
            // Everything merged back: a whole chunk is available again in the first chunk.
            int chunks = pool.chunkCount();
            for (int i = 0; i < chunks; i++) {
                MemoryPool.Block whole = pool.allocate(1 << 20, 4096);
                assertEquals(0, whole.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0), "freed memory is zeroed");
            }
            assertEquals(chunks, pool.chunkCount(), "freed blocks merged into whole chunks");
        }
        assertEquals(0, device.live.get(), "every registration closed with the pool");
    }

    @Test
    void largeAllocationsGetTheirOwnRegistration() {
        try (MemoryPool pool = new MemoryPool(device, 1 << 16)) {
            MemoryPool.Block big = pool.allocate(3 << 16, 8);
            assertEquals(1, device.live.get());
            assertEquals(0, pool.chunkCount());
            assertTrue(pool.bytesInUse() >= 3 << 16);
            pool.free(big);
            assertEquals(0, device.live.get());
            assertEquals(0, pool.bytesInUse());
        }
    }
}

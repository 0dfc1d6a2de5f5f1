package io.rdma4j.tcp.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.LocalMr;
import io.rdma4j.MemoryView;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.internal.ContextImpl;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bugs the API-sequence fuzzer found, as plain tests (the fuzzer's inputs are kept too). */
@Timeout(30)
class ApiRegressionTest {

    /**
     * Closing a context with a region still open must free its memory: a dedicated allocation
     * (larger than a pool chunk) used to keep its arena, and the pool kept counting its blocks.
     */
    @Test
    void closingAContextFreesRegionsStillOpen() {
        RdmaContext ctx = Rdma.open(ApiSequenceFuzzTest.OPTIONS);
        LocalMr small = ctx.allocate(2625);
        LocalMr dedicated = ctx.allocate(ApiSequenceFuzzTest.OPTIONS.poolChunkSize() + 1);
        assertTrue(((ContextImpl) ctx).poolBytesInUse() > 0);
        ctx.close();
        assertEquals(0, ((ContextImpl) ctx).poolBytesInUse(), "memory still counted after the context closed");
        assertEquals(0, ((ContextImpl) ctx).regionsInUse());
        assertTrue(!small.isOpen() && !dedicated.isOpen());
    }

    /**
     * A view's segment must never point at freed memory: closing the context while a view is
     * open used to free the pool's memory under it (a use-after-free through a live segment).
     * Now the memory stays allocated until the last view closes.
     */
    @Test
    void aViewOutlivingItsContextStillPointsAtLiveMemory() {
        RdmaContext ctx = Rdma.open(ApiSequenceFuzzTest.OPTIONS);
        LocalMr mr = ctx.allocate(4096);
        LocalMr big = ctx.allocate(ApiSequenceFuzzTest.OPTIONS.poolChunkSize() * 2);
        mr.putLong(8, 0x1122_3344_5566_7788L);
        MemoryView v = mr.view(0, 64);
        MemoryView w = big.readView(0, 64);
        ctx.close();
        assertTrue(((ContextImpl) ctx).poolBytesInUse() > 0, "the memory under open views was freed");
        assertEquals(0x1122_3344_5566_7788L, v.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
        v.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 16, 42L);
        assertEquals(0, w.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        v.close();
        assertTrue(((ContextImpl) ctx).poolBytesInUse() > 0, "freed while a view was still open");
        w.close();
        assertEquals(0, ((ContextImpl) ctx).poolBytesInUse(), "not freed when the last view closed");
    }
}

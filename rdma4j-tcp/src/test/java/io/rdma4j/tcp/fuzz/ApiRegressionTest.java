package io.rdma4j.tcp.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Received;
import io.rdma4j.MemoryView;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.internal.ContextImpl;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    /**
     * A zero-length slice lends no byte: a pending zero-length receive (the usual buffer for a
     * WRITE with immediate) used to make CPU access to the bytes around its offset fail with
     * MemoryInUseException.
     */
    @Test
    void aZeroLengthLendBlocksNothing() throws Exception {
        try (RdmaContext a = Rdma.open(ApiSequenceFuzzTest.OPTIONS); RdmaContext b = Rdma.open(ApiSequenceFuzzTest.OPTIONS);
             Listener l = b.listen(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection ca = a.connect(l.localAddress()); Connection cb = accepted.get(10, TimeUnit.SECONDS);
                 LocalMr mr = a.allocate(1024); LocalMr src = b.allocate(64)) {
                CompletableFuture<Received> r = ca.receiveAsync(mr.slice(472, 0));
                mr.putLong(468, 5);
                assertEquals(5, mr.getLong(468));
                assertEquals(1024, mr.getBytes(0, 1024).length);
                mr.view(400, 100).close();
                cb.send(src.slice(0, 0));
                assertEquals(0, r.get(10, TimeUnit.SECONDS).byteLength());
            }
        }
    }
}

package io.rdma4j.tcp.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Connection;
import io.rdma4j.LeakDetection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.internal.ContextImpl;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The leak detector: a LocalMr that becomes unreachable without being closed is freed by its
 * cleaner and reported on the {@code io.rdma4j.leak} logger, with its allocation site at
 * {@link LeakDetection#PARANOID}, without it at SIMPLE, not at all when DISABLED; a forgotten
 * region still lent to an operation is reported at once but freed only after the operation ends.
 */
@Isolated
@Timeout(60)
class LeakDetectionTest {
    @RegisterExtension
    final LeakLog log = new LeakLog();

    private static RdmaContext open(LeakDetection level) {
        return Rdma.open(RdmaOptions.builder().provider("tcp").leakDetection(level).build());
    }

    /** Allocates and drops the handle: the allocation site to look for in the report. */
    private static void forgetARegionOf(RdmaContext ctx, int size) {
        LocalMr mr = ctx.allocate(size);
        mr.putInt(0, 42);
    }

    private LogRecord awaitReport(String what) throws InterruptedException {
        return log.await(what);
    }

    @Test
    void paranoidReportsAForgottenRegionWithItsAllocationSiteAndFreesIt() throws Exception {
        long before = ContextImpl.leaksFound();
        try (RdmaContext ctx = open(LeakDetection.PARANOID)) {
            forgetARegionOf(ctx, 12345);
            LogRecord r = awaitReport("LocalMr of 12345 bytes");
            assertNotNull(r, "no leak report for a forgotten LocalMr");
            assertEquals(Level.WARNING, r.getLevel());
            assertNotNull(r.getThrown(), "no allocation site at paranoid level");
            String site = LeakLog.stack(r.getThrown());
            assertTrue(site.contains("forgetARegionOf"), "the site does not name the allocating method:\n" + site);
            assertTrue(ContextImpl.leaksFound() >= before + 1);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // reported first, then freed
            while (((ContextImpl) ctx).regionsInUse() != 0 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals(0, ((ContextImpl) ctx).regionsInUse(), "the cleaner did not free the region");
            assertEquals(0, ((ContextImpl) ctx).poolBytesInUse());
            System.out.printf("leaks: forgotten LocalMr reported at paranoid level with its site (%s)%n",
                    site.lines().filter(l -> l.contains("forgetARegionOf")).findFirst().orElse("").trim());
        }
    }

    @Test
    void simpleReportsWithoutTheSiteAndDisabledSaysNothing() throws Exception {
        try (RdmaContext ctx = open(LeakDetection.SIMPLE)) {
            forgetARegionOf(ctx, 23456);
            LogRecord r = awaitReport("LocalMr of 23456 bytes");
            assertNotNull(r, "no leak report at simple level");
            assertNull(r.getThrown());
            assertTrue(r.getMessage().contains("rdma4j.leakDetection=paranoid"), "no hint how to see the site");
        }
        try (RdmaContext ctx = open(LeakDetection.DISABLED)) {
            forgetARegionOf(ctx, 34567);
            assertNull(awaitReportBriefly("LocalMr of 34567 bytes"), "a report although detection is disabled");
        }
    }

    private LogRecord awaitReportBriefly(String what) throws InterruptedException {
        LeakLog.gcUntil(() -> false, 500);
        return log.find(what);
    }

    @Test
    void aForgottenRegionStillLentIsFreedOnlyWhenItsOperationEnds() throws Exception {
        try (RdmaContext a = open(LeakDetection.PARANOID); RdmaContext b = open(LeakDetection.PARANOID);
             Listener l = b.listen(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            Connection ca = a.connect(l.localAddress());
            Connection cb = accepted.get(10, TimeUnit.SECONDS);
            CompletableFuture<Received> pending = receiveIntoAForgottenRegion(a, ca, 4567);
            assertNotNull(awaitReport("LocalMr of 4567 bytes"), "no report for a forgotten region lent to a receive");
            assertEquals(1, ((ContextImpl) a).regionsInUse(), "freed while a receive could still write into it");
            try (LocalMr src = b.allocate(16)) {
                src.putLong(0, 77);
                cb.send(src.slice(0, 8));
            }
            assertEquals(8, pending.get(10, TimeUnit.SECONDS).byteLength());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (((ContextImpl) a).regionsInUse() != 0 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals(0, ((ContextImpl) a).regionsInUse(), "not freed after its receive completed");
            ca.close();
            cb.close();
        }
    }

    /** Posts a receive into a region whose handle is dropped on return. */
    private static CompletableFuture<Received> receiveIntoAForgottenRegion(RdmaContext ctx, Connection c, int size) {
        return c.receiveAsync(ctx.allocate(size).slice());
    }
}

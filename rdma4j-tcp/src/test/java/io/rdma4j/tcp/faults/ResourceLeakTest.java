package io.rdma4j.tcp.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Grant;
import io.rdma4j.LeakDetection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import io.rdma4j.internal.ContextImpl;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The leak detector on every resource, on the real TCP provider over loopback: a connection,
 * listener or context dropped without close() is counted once per handle, reported with its
 * allocation site at {@link LeakDetection#PARANOID}, and really freed (the peer sees the
 * connection end, the port is free, the threads are gone); a grant does not keep its forgotten
 * region alive; and a resource that was closed, by its user or its context, is never reported.
 */
@Isolated
@Timeout(120)
class ResourceLeakTest {
    private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

    @RegisterExtension
    final LeakLog log = new LeakLog();

    private static RdmaContext open() {
        return Rdma.open(RdmaOptions.builder().provider("tcp").leakDetection(LeakDetection.PARANOID).build());
    }

    /** The report for {@code what}, checked to be a WARNING naming the allocating method. */
    private LogRecord assertReported(String what, String allocatingMethod) {
        LogRecord r = log.find(what);
        assertNotNull(r, "no leak report for " + what + "; reports: " + log.records().stream().map(LogRecord::getMessage).toList());
        assertEquals(Level.WARNING, r.getLevel());
        assertTrue(r.getMessage().contains("was never closed; freed by its cleaner"), r.getMessage());
        assertNotNull(r.getThrown(), "no allocation site at paranoid level for " + what);
        String site = LeakLog.stack(r.getThrown());
        assertTrue(site.contains(allocatingMethod), "the site of " + what + " does not name " + allocatingMethod + ":\n" + site);
        return r;
    }

    /** Waits for the counter to reach {@code before + expected}, then checks it settles there exactly. */
    private static void assertLeaks(long before, int expected) throws InterruptedException {
        assertTrue(LeakLog.awaitLeaks(before + expected), "leaks found: " + (ContextImpl.leaksFound() - before)
                + ", expected " + expected);
        LeakLog.gcUntil(() -> false, 300); // a late duplicate report would show here
        assertEquals(before + expected, ContextImpl.leaksFound(), "leaks counted");
    }

    private static void assertEndedByPeer(CompletableFuture<Received> pending) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(10, TimeUnit.SECONDS),
                "the peer's receive did not end with the leaked connection");
        assertInstanceOf(RdmaException.class, e.getCause()); // flushed, as a receive is when its connection ends
    }

    @Test
    void theBuildRunsTheTestsParanoid() {
        // Set for surefire in the parent pom: the contract tests' leak checks see every site.
        assertEquals(LeakDetection.PARANOID, RdmaOptions.builder().build().leakDetection());
    }

    // ------------------------------------------------------------------ connection

    /** Connects and drops the handle: the allocation site to look for. */
    private static void connectAndForget(RdmaContext ctx, InetSocketAddress to) {
        Connection c = ctx.connect(to);
        assertTrue(c.isOpen());
    }

    @Test
    void aForgottenConnectionIsReportedWithItsSiteAndClosedForThePeer() throws Exception {
        try (RdmaContext server = open(); RdmaContext client = open(); Listener l = server.listen(ANY_PORT);
             LocalMr buf = server.allocate(64)) {
            long poolBefore = ((ContextImpl) client).poolBytesInUse();
            long before = ContextImpl.leaksFound();
            CompletableFuture<Connection> accepted = l.acceptAsync();
            connectAndForget(client, l.localAddress());
            try (Connection peer = accepted.get(10, TimeUnit.SECONDS)) {
                CompletableFuture<Received> pending = peer.receiveAsync(buf.slice());
                assertLeaks(before, 1);
                assertReported("Connection to " + l.localAddress(), "connectAndForget");
                assertEndedByPeer(pending);
                assertTrue(LeakLog.eventually(() -> !peer.isOpen()), "the peer's connection stayed open");
                assertTrue(LeakLog.eventually(() -> ((ContextImpl) client).poolBytesInUse() == poolBefore),
                        "the leaked connection's memory was not given back");
            }
        }
    }

    // ------------------------------------------------------------------ listener

    /** Listens and drops the handle; returns the port it took. */
    private static InetSocketAddress listenAndForget(RdmaContext ctx) {
        return ctx.listen(ANY_PORT).localAddress();
    }

    @Test
    void aForgottenListenerIsReportedWithItsSiteAndItsPortIsFreed() throws Exception {
        try (RdmaContext ctx = open()) {
            long before = ContextImpl.leaksFound();
            InetSocketAddress address = listenAndForget(ctx);
            assertLeaks(before, 1);
            assertReported("Listener on " + address, "listenAndForget");
            assertTrue(LeakLog.eventually(() -> canListen(ctx, address)), "the port of the leaked listener is still taken");
        }
    }

    private static boolean canListen(RdmaContext ctx, InetSocketAddress address) {
        try (Listener again = ctx.listen(address)) {
            return again.localAddress().getPort() == address.getPort();
        } catch (RuntimeException taken) {
            return false;
        }
    }

    // ------------------------------------------------------------------ context

    /** Opens a context, listens, allocates and connects with it, and drops every handle; returns the port it took. */
    private static InetSocketAddress openUseAndForget(InetSocketAddress peer) {
        RdmaContext ctx = open();
        Listener l = ctx.listen(ANY_PORT);
        LocalMr mr = ctx.allocate(4321);
        mr.putInt(0, 7);
        Connection c = ctx.connect(peer);
        assertTrue(c.isOpen());
        return l.localAddress();
    }

    /** Live threads the core or the TCP provider start per context. */
    private static List<String> rdma4jThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (t.isAlive() && (n.startsWith("rdma4j-poller-") || n.startsWith("rdma4j-tcp-io-") || n.equals("rdma4j-leases"))) {
                names.add(n);
            }
        }
        names.sort(null);
        return names;
    }

    /** A connection to itself starts the context's poller, which stays (a queue serves 32 connections). */
    private static void startPollerOf(RdmaContext ctx, Listener l) throws Exception {
        CompletableFuture<Connection> accepted = l.acceptAsync();
        try (Connection c = ctx.connect(l.localAddress()); Connection s = accepted.get(10, TimeUnit.SECONDS)) {
            assertTrue(c.isOpen() && s.isOpen());
        }
    }

    @Test
    void aForgottenContextReportsItselfAndItsChildrenAndClosesThemAll() throws Exception {
        try (RdmaContext server = open(); Listener l = server.listen(ANY_PORT); LocalMr buf = server.allocate(64)) {
            startPollerOf(server, l); // so that the threads that come and go are the forgotten context's
            List<String> threadsBefore = rdma4jThreads();
            long before = ContextImpl.leaksFound();
            CompletableFuture<Connection> accepted = l.acceptAsync();
            InetSocketAddress listening = openUseAndForget(l.localAddress());
            try (Connection peer = accepted.get(10, TimeUnit.SECONDS)) {
                CompletableFuture<Received> pending = peer.receiveAsync(buf.slice());
                assertLeaks(before, 4); // the context, its listener, its region, its connection: once each
                assertReported("RdmaContext on tcp/", "openUseAndForget");
                assertReported("Listener on " + listening, "openUseAndForget");
                assertReported("LocalMr of 4321 bytes", "openUseAndForget");
                assertReported("Connection to " + l.localAddress(), "openUseAndForget");
                assertEndedByPeer(pending);
                assertTrue(LeakLog.eventually(() -> canListen(server, listening)),
                        "the port of the leaked context's listener is still taken");
                assertTrue(LeakLog.eventually(() -> rdma4jThreads().equals(threadsBefore)),
                        "the leaked context's threads are still running: " + rdma4jThreads() + ", before: " + threadsBefore);
            }
        }
    }

    // ------------------------------------------------------------------ grant

    /** Grants a region to the peer and drops both the region and the grant. */
    private static void grantAndForget(RdmaContext ctx, Connection c) {
        LocalMr mr = ctx.allocate(5432);
        Grant g = c.grant(mr, Access.REMOTE_READ_WRITE, Duration.ofHours(1));
        assertTrue(g.isActive());
    }

    @Test
    void anActiveGrantDoesNotKeepAForgottenRegionAliveAndIsRevokedWithIt() throws Exception {
        try (RdmaContext a = open(); RdmaContext b = open(); Listener l = b.listen(ANY_PORT)) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection ca = a.connect(l.localAddress()); Connection cb = accepted.get(10, TimeUnit.SECONDS)) {
                long before = ContextImpl.leaksFound();
                grantAndForget(a, ca);
                RemoteMr remote = cb.acceptGrant();
                assertTrue(remote.isValid());
                assertLeaks(before, 1); // the region; a dropped grant handle is no leak
                assertReported("LocalMr of 5432 bytes", "grantAndForget");
                assertTrue(LeakLog.eventually(() -> !remote.isValid()), "the peer can still use the forgotten region");
                assertTrue(LeakLog.eventually(() -> ((ContextImpl) a).regionsInUse() == 0), "the region was not freed");
                assertEquals(1, ca.stats().grantsRevoked());
            }
        }
    }

    // ------------------------------------------------------------------ closed: never reported

    /** One of each resource: a context, its listener, both ends of a connection, a region and its grant. */
    private record Everything(RdmaContext ctx, Listener l, Connection c, Connection s, LocalMr mr, Grant g) {
        static Everything open() throws Exception {
            RdmaContext ctx = ResourceLeakTest.open();
            Listener l = ctx.listen(ANY_PORT);
            CompletableFuture<Connection> accepted = l.acceptAsync();
            Connection c = ctx.connect(l.localAddress());
            Connection s = accepted.get(10, TimeUnit.SECONDS);
            LocalMr mr = ctx.allocate(100);
            Grant g = c.grant(mr, Access.REMOTE_READ, Duration.ofHours(1));
            s.acceptGrant();
            return new Everything(ctx, l, c, s, mr, g);
        }

        List<WeakReference<Object>> weakly() {
            return List.of(new WeakReference<>(ctx), new WeakReference<>(l), new WeakReference<>(c),
                    new WeakReference<>(s), new WeakReference<>(mr), new WeakReference<>(g));
        }
    }

    /** Uses every kind of resource and closes each; returns weak references to the handles. */
    private static List<WeakReference<Object>> useAndCloseEach() throws Exception {
        Everything e = Everything.open();
        e.g().close();
        e.mr().close();
        e.s().close();
        e.c().close();
        e.l().close();
        e.ctx().close();
        return e.weakly();
    }

    /** Uses every kind of resource and closes only the context, which closes the rest. */
    private static List<WeakReference<Object>> useAndCloseTheContext() throws Exception {
        Everything e = Everything.open();
        e.ctx().close();
        return e.weakly();
    }

    @Test
    void closedResourcesAreNeverReported() throws Exception {
        long before = ContextImpl.leaksFound();
        List<WeakReference<Object>> handles = new ArrayList<>(useAndCloseEach());
        handles.addAll(useAndCloseTheContext());
        // Collected, so their cleaners had their chance to (wrongly) report.
        assertTrue(LeakLog.gcUntil(() -> handles.stream().allMatch(h -> h.get() == null), 20_000),
                "some handles were never collected, so the check proves nothing");
        LeakLog.gcUntil(() -> false, 500);
        assertEquals(before, ContextImpl.leaksFound(), "closed resources reported: "
                + log.records().stream().map(LogRecord::getMessage).toList());
        assertEquals(0, log.records().size());
    }
}

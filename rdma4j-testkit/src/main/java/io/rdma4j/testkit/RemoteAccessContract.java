package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdma4j.Access;
import io.rdma4j.AccessDeniedException;
import io.rdma4j.Connection;
import io.rdma4j.FlushedException;
import io.rdma4j.Grant;
import io.rdma4j.GrantException;
import io.rdma4j.GrantRefusedException;
import io.rdma4j.LeaseExpiredException;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.Received;
import io.rdma4j.RemoteAccessException;
import io.rdma4j.RemoteMr;
import io.rdma4j.WorkCompletionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Remote memory as a capability: slices are bounds-checked, access and lease are checked before
 * posting, a revoked rkey fails at the target with a remote-access error while the target memory
 * stays untouched, a grant from another connection is refused, leases expire, and a peer's
 * requests for memory are bounded by this side's budget.
 */
public abstract class RemoteAccessContract extends ContractSupport {
    /** For a provider's subclass. */
    protected RemoteAccessContract() {}

    private static final int SIZE = 1 << 20;

    private RdmaContext serverCtx;
    private RdmaContext clientCtx;

    private Pair pair() {
        serverCtx = openContext(b -> b.grantBudget(1 << 20));
        clientCtx = openContext();
        return connect(serverCtx, clientCtx);
    }

    /** A region the client holds with {@code access}, pre-filled with a pattern the tests must not change. */
    private record Target(Pair pair, LocalMr mem, byte[] before, Grant grant, RemoteMr remote, LocalMr src) {
        void assertUntouched(String what) {
            assertArrayEquals(before, mem.getBytes(0, before.length), what + ": the target memory changed");
        }
    }

    private Target target(Access access, Duration lease) {
        Pair p = pair();
        LocalMr mem = allocate(serverCtx, SIZE);
        byte[] before = Patterns.bytes(99, SIZE);
        mem.put(0, before);
        Grant g = p.server().grant(mem, access, lease);
        RemoteMr r = p.client().acceptGrant();
        assertEquals(g.grantId(), r.grantId());
        assertEquals(access, r.access());
        LocalMr src = allocate(clientCtx, SIZE);
        src.put(0, Patterns.bytes(5, SIZE));
        return new Target(p, mem, before, g, r, src);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void outOfBoundsRemoteSlicesAreRefusedBeforePosting() {
        Target t = target(Access.REMOTE_ALL, Duration.ofMinutes(5));
        RemoteMr r = t.remote();
        assertThrows(IndexOutOfBoundsException.class, () -> r.slice(SIZE - 7, 8), "a slice past the end");
        assertThrows(IndexOutOfBoundsException.class, () -> r.slice(-1, 8), "a negative offset");
        assertThrows(IndexOutOfBoundsException.class, () -> r.slice(0, SIZE + 1L), "longer than the grant");
        assertThrows(IndexOutOfBoundsException.class, () -> r.slice(SIZE, 1), "starting at the end");
        assertThrows(IndexOutOfBoundsException.class, () -> r.slice(100, 100).slice(50, 51), "a sub-slice past its parent");
        assertThrows(IndexOutOfBoundsException.class, () -> t.src().slice(SIZE - 1, 2), "a local slice past the end");
        Connection c = t.pair().client();
        // lengths that disagree cannot post either
        assertThrows(IllegalArgumentException.class, () -> c.write(t.src().slice(0, 100), r.slice(0, 99)));
        assertThrows(IllegalArgumentException.class, () -> c.read(t.src().slice(0, 100), r.slice(0, 101)));
        assertThrows(IllegalArgumentException.class, () -> c.batch().write(t.src().slice(0, 10), r.slice(0, 11)).submit());
        t.assertUntouched("after refused out-of-bounds operations");
        // the last byte is in bounds, and the connection still works
        c.write(t.src().slice(7, 1), r.slice(SIZE - 1, 1));
        assertEquals(t.src().getByte(7), t.mem().getByte(SIZE - 1));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void operationsWithoutTheAccessAreRefusedBeforePosting() {
        Target ro = target(Access.REMOTE_READ, Duration.ofMinutes(5));
        Connection c = ro.pair().client();
        RemoteMr r = ro.remote();
        assertThrows(AccessDeniedException.class, () -> c.write(ro.src().slice(0, 64), r.slice(0, 64)));
        assertThrows(AccessDeniedException.class, () -> c.writeAsync(ro.src().slice(0, 64), r.slice(0, 64)), "refused by the call, not its future");
        assertThrows(AccessDeniedException.class, () -> c.writeWithImm(ro.src().slice(0, 64), r.slice(0, 64), 1));
        assertThrows(AccessDeniedException.class, () -> c.fetchAndAdd(r.slice(0, 8), 1));
        assertThrows(AccessDeniedException.class, () -> c.compareAndSwap(r.slice(0, 8), 0, 1));
        // a batch with one refused request posts none of it
        LocalMr rcv = allocate(serverCtx, 64);
        CompletableFuture<Received> pending = ro.pair().server().receiveAsync(rcv.slice(0, 64));
        assertThrows(AccessDeniedException.class, () -> c.batch()
                .send(ro.src().slice(0, 8))
                .read(ro.src().slice(100, 64), r.slice(0, 64))
                .write(ro.src().slice(200, 64), r.slice(0, 64)).submitAsync());
        ro.assertUntouched("after refused WRITEs and atomics on a read-only grant");
        // nothing was sent: the receive is still waiting, and takes the next SEND
        c.read(ro.src().slice(4096, 4096), r.slice(8192, 4096));
        assertFalse(pending.isDone(), "a SEND of a refused batch was posted");
        ro.src().putLong(0, 0x5EED);
        c.send(ro.src().slice(0, 8));
        assertEquals(8, await(pending).byteLength());
        assertEquals(0x5EED, rcv.getLong(0));
        Patterns.assertHolds("READ on a read-only grant", ro.src(), 4096, java.util.Arrays.copyOfRange(ro.before(), 8192, 8192 + 4096));

        Target wo = target(Access.REMOTE_WRITE, Duration.ofMinutes(5));
        assertThrows(AccessDeniedException.class, () -> wo.pair().client().read(wo.src().slice(0, 64), wo.remote().slice(0, 64)));
        assertThrows(AccessDeniedException.class, () -> wo.pair().client().fetchAndAdd(wo.remote().slice(0, 8), 1));

        Target rw = target(Access.REMOTE_READ_WRITE, Duration.ofMinutes(5));
        assertThrows(AccessDeniedException.class, () -> rw.pair().client().fetchAndAdd(rw.remote().slice(0, 8), 1));
        assertThrows(AccessDeniedException.class, () -> rw.pair().client().compareAndSwap(rw.remote().slice(0, 8), 0, 1));
        rw.assertUntouched("after refused atomics on a read-write grant");

        Target at = target(Access.REMOTE_ATOMIC, Duration.ofMinutes(5));
        assertThrows(AccessDeniedException.class, () -> at.pair().client().read(at.src().slice(0, 8), at.remote().slice(0, 8)));
        assertThrows(AccessDeniedException.class, () -> at.pair().client().write(at.src().slice(0, 8), at.remote().slice(0, 8)));
        at.assertUntouched("after refused READ/WRITE on an atomic-only grant");
        long before = at.mem().getLong(64);
        assertEquals(before, at.pair().client().fetchAndAdd(at.remote().slice(64, 8), 1), "atomics work on an atomic-only grant");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aGrantFromAnotherConnectionIsRefused() {
        Target t = target(Access.REMOTE_ALL, Duration.ofMinutes(5));
        // a second connection between the same two contexts
        Pair other = connect(serverCtx, clientCtx);
        Connection c2 = other.client();
        RemoteMr foreign = t.remote();
        for (Runnable op : List.<Runnable>of(
                () -> c2.write(t.src().slice(0, 64), foreign.slice(0, 64)),
                () -> c2.read(t.src().slice(0, 64), foreign.slice(0, 64)),
                () -> c2.fetchAndAdd(foreign.slice(0, 8), 1),
                () -> c2.compareAndSwap(foreign.slice(0, 8), 0, 1),
                () -> c2.writeWithImm(t.src().slice(0, 64), foreign.slice(0, 64), 1),
                () -> c2.batch().write(t.src().slice(0, 64), foreign.slice(0, 64)).submit())) {
            RuntimeException e = assertThrows(RuntimeException.class, op::run, "an rkey used on another connection");
            assertTrue(e instanceof IllegalArgumentException || e instanceof GrantException || e instanceof RemoteAccessException,
                    "refused as a foreign capability, not " + e);
        }
        t.assertUntouched("after a foreign grant was used");
        assertThrows(IllegalArgumentException.class, () -> c2.release(foreign), "releasing another connection's grant");
        // both connections still work
        assertTrue(c2.isOpen());
        assertTrue(t.remote().isValid());
        t.pair().client().write(t.src().slice(0, 64), t.remote().slice(0, 64));
        Patterns.assertHolds("WRITE on the grant's own connection", t.mem(), 0, t.src().getBytes(0, 64));
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aRevokedRkeyFailsWithRemoteAccessErrorAndTheTargetStaysUntouched() throws Exception {
        int chunk = 16 << 10;
        int slots = SIZE / chunk;
        int n = 600;
        int attempts = 0;
        int remoteAccessErrors = 0;
        while (remoteAccessErrors == 0 && attempts < 5) {
            attempts++;
            Target t = target(Access.REMOTE_WRITE, Duration.ofMinutes(5));
            fillDistinct(t.src(), chunk);
            Connection c = t.pair().client();
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            byte[] atRevocation = null;
            for (int k = 0; k < n; k++) {
                try {
                    // each pass over the target writes other bytes to each place, so a late WRITE shows
                    fs.add(c.writeAsync(t.src().slice((long) ((k + k / slots) % slots) * chunk, chunk),
                            t.remote().slice((long) (k % slots) * chunk, chunk)));
                } catch (RdmaException e) {
                    break; // the holder learned of the revocation, or the connection failed: posting stops
                }
                if (k == 20) {
                    await(fs.get(10));
                    t.grant().revoke();
                    // from the moment revoke() returns no byte of the target may change
                    atRevocation = t.mem().getBytes(0, SIZE);
                    assertFalse(t.grant().isActive());
                }
            }
            assertTrue(atRevocation != null, "posting stopped before the grant was revoked");
            int firstFailure = -1;
            for (int k = 0; k < fs.size(); k++) {
                try {
                    fs.get(k).get(patience().toMillis(), TimeUnit.MILLISECONDS);
                    if (firstFailure >= 0) {
                        fail("WRITE " + k + " succeeded after WRITE " + firstFailure + " failed: a failure must fail everything behind it");
                    }
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (firstFailure < 0) {
                        firstFailure = k;
                        assertInstanceOf(RemoteAccessException.class, cause, "the first WRITE after revocation fails with");
                        assertEquals(io.rdma4j.WcStatus.REM_ACCESS_ERR, ((WorkCompletionException) cause).status());
                        remoteAccessErrors++;
                    } else {
                        assertTrue(cause instanceof FlushedException || cause instanceof RemoteAccessException
                                        || cause instanceof io.rdma4j.ConnectionClosedException,
                                "WRITE " + k + " behind the failed one: " + cause);
                    }
                }
            }
            assertArrayEquals(atRevocation, t.mem().getBytes(0, SIZE),
                    "attempt " + attempts + ": the target changed after its grant was revoked");
        }
        // Whether a WRITE of this race reaches the target after revocation depends on timing (on
        // verbs the revocation notice usually wins); the next test exercises the remote check
        // deterministically. Here: nothing changed after revoke() returned, and order held.
        assertTrue(remoteAccessErrors >= 0);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aWritePostedBeforeRevocationFailsAtTheTargetWithRemoteAccessError() throws Exception {
        Target t = target(Access.REMOTE_WRITE, Duration.ofMinutes(5));
        Connection c = t.pair().client();
        LocalMr gateSrc = allocate(clientCtx, 64);
        LocalMr gateDst = allocate(serverCtx, 64);
        // The peer has no receive posted, so the SEND waits (receiver not ready, retried for ever)
        // and, as on any RC queue pair, the WRITE posted behind it cannot run before it.
        CompletableFuture<Void> send = c.sendAsync(gateSrc.slice(0, 64));
        CompletableFuture<Void> write = c.writeAsync(t.src().slice(0, 4096), t.remote().slice(0, 4096));
        t.grant().revoke();
        byte[] atRevocation = t.mem().getBytes(0, SIZE);
        t.pair().server().receiveAsync(gateDst.slice(0, 64));
        send.get(patience().toMillis(), TimeUnit.MILLISECONDS);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> write.get(patience().toMillis(), TimeUnit.MILLISECONDS));
        assertInstanceOf(RemoteAccessException.class, e.getCause(), "the WRITE to a revoked grant fails at the target with");
        assertEquals(io.rdma4j.WcStatus.REM_ACCESS_ERR, ((WorkCompletionException) e.getCause()).status());
        assertArrayEquals(atRevocation, t.mem().getBytes(0, SIZE), "the target changed after its grant was revoked");
        assertArrayEquals(t.before(), atRevocation, "nothing was written before the revocation either");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRevocationReachesTheHolder() {
        Target t = target(Access.REMOTE_ALL, Duration.ofMinutes(5));
        t.pair().client().write(t.src().slice(0, 100), t.remote().slice(0, 100));
        byte[] after = t.mem().getBytes(0, SIZE);
        t.grant().revoke();
        t.grant().revoke(); // idempotent
        assertFalse(t.grant().isActive());
        assertEquals(Duration.ZERO, t.grant().remainingLease());
        eventually("the holder sees the revocation", () -> !t.remote().isValid());
        assertThrows(LeaseExpiredException.class, () -> t.pair().client().write(t.src().slice(0, 64), t.remote().slice(0, 64)));
        assertThrows(LeaseExpiredException.class, () -> t.pair().client().read(t.src().slice(0, 64), t.remote().slice(0, 64)));
        assertThrows(LeaseExpiredException.class, () -> t.pair().client().fetchAndAdd(t.remote().slice(0, 8), 1));
        assertArrayEquals(after, t.mem().getBytes(0, SIZE), "the target changed after revocation");
        assertTrue(t.pair().client().isOpen(), "a refused operation on a dead grant does not break the connection");
        // a new grant on the same connection works
        t.pair().server().grant(t.mem().slice(0, 4096), Access.REMOTE_ALL, Duration.ofMinutes(1));
        RemoteMr again = t.pair().client().acceptGrant();
        t.pair().client().write(t.src().slice(0, 64), again.slice(64, 64));
        Patterns.assertHolds("WRITE on a fresh grant", t.mem(), 64, t.src().getBytes(0, 64));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aReleasedGrantIsRefusedAndRevokedAtTheGranter() {
        Target t = target(Access.REMOTE_ALL, Duration.ofMinutes(5));
        t.pair().client().release(t.remote());
        t.pair().client().release(t.remote()); // idempotent
        assertFalse(t.remote().isValid());
        assertThrows(LeaseExpiredException.class, () -> t.pair().client().write(t.src().slice(0, 64), t.remote().slice(0, 64)));
        eventually("the granter revokes a released grant", () -> !t.grant().isActive());
        // counted once the deregistration is done, just after the grant turns inactive
        eventually("the granter counts the released grant as revoked", () -> t.pair().server().stats().grantsRevoked() == 1);
        t.assertUntouched("after a released grant was used");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLeaseExpires() {
        Duration lease = Duration.ofMillis(2000); // long enough for the first WRITE on a loaded machine
        Target t = target(Access.REMOTE_ALL, lease);
        assertTrue(t.remote().remainingLease().compareTo(lease) <= 0, "remaining lease " + t.remote().remainingLease());
        t.pair().client().write(t.src().slice(0, 64), t.remote().slice(0, 64));
        byte[] after = t.mem().getBytes(0, SIZE);
        eventually("the granter's lease ends", () -> !t.grant().isActive());
        eventually("the holder's lease ends", () -> !t.remote().isValid());
        assertEquals(Duration.ZERO, t.remote().remainingLease());
        assertEquals(Duration.ZERO, t.grant().remainingLease());
        assertThrows(LeaseExpiredException.class, () -> t.pair().client().write(t.src().slice(0, 64), t.remote().slice(0, 64)));
        assertThrows(LeaseExpiredException.class, () -> t.pair().client().readAsync(t.src().slice(0, 64), t.remote().slice(0, 64)));
        assertThrows(LeaseExpiredException.class, () -> t.pair().client().compareAndSwap(t.remote().slice(0, 8), 0, 1));
        assertArrayEquals(after, t.mem().getBytes(0, SIZE), "the target changed after the lease ended");
        eventually("the granter counts the expired grant as revoked", () -> t.pair().server().stats().grantsRevoked() == 1);
        assertTrue(t.pair().client().isOpen());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void requestedMemoryIsZeroedUsableAndLeased() {
        Pair p = pair();
        LocalMr buf = allocate(clientCtx, 300_000);
        RemoteMr r = p.client().requestRemote(256 << 10, Access.REMOTE_ALL, Duration.ofMinutes(1));
        assertEquals(256 << 10, r.length());
        assertEquals(Access.REMOTE_ALL, r.access());
        buf.fill(0, buf.size(), (byte) 1);
        p.client().read(buf.slice(3, 256 << 10), r.slice());
        Patterns.assertFilled("requested memory", buf, 3, 256 << 10, (byte) 0);
        byte[] d = Patterns.bytes(3, 10_000);
        buf.put(0, d);
        p.client().write(buf.slice(0, 10_000), r.slice(17, 10_000));
        p.client().read(buf.slice(20_000, 10_000), r.slice(17, 10_000));
        Patterns.assertHolds("round trip through requested memory", buf, 20_000, d);
        assertEquals(0, p.client().fetchAndAdd(r.slice(200_000, 8), 9));
        assertEquals(9, p.client().fetchAndAdd(r.slice(200_000, 8), 1));
        // a short lease on a request ends too
        RemoteMr shortLived = p.client().requestRemote(4096, Access.REMOTE_WRITE, Duration.ofMillis(300));
        eventually("a requested grant's lease ends", () -> !shortLived.isValid());
        assertThrows(LeaseExpiredException.class, () -> p.client().write(buf.slice(0, 8), shortLived.slice(0, 8)));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void requestsBeyondThePeersBudgetAreRefused() {
        Pair p = pair(); // the server's budget is 1 MiB per connection
        assertThrows(GrantRefusedException.class, () -> p.client().requestRemote((1 << 20) + 1, Access.REMOTE_ALL, Duration.ofMinutes(1)));
        RemoteMr a = p.client().requestRemote(768 << 10, Access.REMOTE_ALL, Duration.ofMinutes(1));
        Throwable e = awaitFailure(p.client().requestRemoteAsync(512 << 10, Access.REMOTE_ALL, Duration.ofMinutes(1)));
        assertInstanceOf(GrantRefusedException.class, e, "a request beyond what is left of the budget");
        RemoteMr b = p.client().requestRemote(256 << 10, Access.REMOTE_ALL, Duration.ofMinutes(1));
        assertThrows(GrantRefusedException.class, () -> p.client().requestRemote(1, Access.REMOTE_ALL, Duration.ofMinutes(1)),
                "the budget is spent");
        assertTrue(p.client().isOpen(), "a refusal does not break the connection");
        // giving grants back gives the budget back
        p.client().release(a);
        p.client().release(b);
        eventually("released requests return to the budget", () -> {
            try {
                p.client().release(p.client().requestRemote(1 << 20, Access.REMOTE_ALL, Duration.ofMinutes(1)));
                return true;
            } catch (GrantRefusedException refused) {
                return false;
            }
        });
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theDefaultBudgetIsFinite() {
        RdmaContext server = openContext();
        RdmaContext client = openContext();
        assertTrue(server.options().grantBudget() < Long.MAX_VALUE / 4, "the default budget must be finite");
        Pair p = connect(server, client);
        assertThrows(GrantRefusedException.class,
                () -> p.client().requestRemote(Long.MAX_VALUE / 4, Access.REMOTE_READ, Duration.ofMinutes(1)));
        assertThrows(GrantRefusedException.class,
                () -> p.client().requestRemote(server.options().grantBudget() + 1, Access.REMOTE_READ, Duration.ofMinutes(1)));
        // many requests together cannot exceed it either
        List<CompletableFuture<RemoteMr>> fs = new ArrayList<>();
        long each = Math.max(1, server.options().grantBudget() / 8);
        for (int i = 0; i < 12; i++) {
            fs.add(p.client().requestRemoteAsync(each, Access.REMOTE_READ, Duration.ofMinutes(1)));
        }
        long granted = 0;
        int refused = 0;
        for (CompletableFuture<RemoteMr> f : fs) {
            try {
                granted += f.get(patience().toMillis(), TimeUnit.MILLISECONDS).length();
            } catch (ExecutionException ex) {
                assertInstanceOf(GrantRefusedException.class, ex.getCause());
                refused++;
            } catch (Exception ex) {
                fail(ex);
            }
        }
        assertTrue(granted <= server.options().grantBudget(), "granted " + granted + " bytes past a budget of "
                + server.options().grantBudget());
        assertTrue(refused >= 4, "12 requests of an eighth of the budget each: at least 4 must be refused, were " + refused);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLeaseEndingUnderLoadLeavesTheTargetUntouchedAfterwards() throws Exception {
        Target t = target(Access.REMOTE_WRITE, Duration.ofMillis(1500));
        int chunk = 16 << 10;
        int slots = SIZE / chunk;
        fillDistinct(t.src(), chunk);
        Connection c = t.pair().client();
        List<CompletableFuture<Void>> fs = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread poster = Thread.ofPlatform().start(() -> {
            try {
                for (long k = 0; !stop.get(); k++) {
                    fs.add(c.writeAsync(t.src().slice(((k + k / slots) % slots) * chunk, chunk), t.remote().slice((k % slots) * chunk, chunk)));
                    if (fs.size() > 64 && !fs.get(fs.size() - 64).isDone()) {
                        Thread.sleep(1);
                    }
                }
            } catch (LeaseExpiredException | io.rdma4j.ConnectionClosedException e) {
                // the holder saw the lease end (or the connection failed on a dead rkey): posting stops
            } catch (Throwable e) {
                unexpected.add(e);
            }
        });
        eventually("the granter revokes the expired grant", () -> t.pair().server().stats().grantsRevoked() == 1);
        byte[] afterRevocation = t.mem().getBytes(0, SIZE);
        poster.join(patience().toMillis());
        stop.set(true);
        poster.join();
        assertTrue(unexpected.isEmpty(), "posting failed unexpectedly: " + unexpected);
        int succeeded = 0;
        List<CompletableFuture<Void>> all;
        synchronized (fs) {
            all = new ArrayList<>(fs);
        }
        for (CompletableFuture<Void> f : all) {
            try {
                f.get(patience().toMillis(), TimeUnit.MILLISECONDS);
                succeeded++;
            } catch (ExecutionException e) {
                assertTrue(e.getCause() instanceof RemoteAccessException || e.getCause() instanceof FlushedException
                        || e.getCause() instanceof io.rdma4j.ConnectionClosedException, "a WRITE racing the lease's end: " + e.getCause());
            }
        }
        assertTrue(succeeded > 0, "no WRITE succeeded before the lease ended");
        assertArrayEquals(afterRevocation, t.mem().getBytes(0, SIZE), "the target changed after its lease ended");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void eachGrantHasItsOwnRkeyAndDiesAlone() {
        Target t = target(Access.REMOTE_READ_WRITE, Duration.ofMinutes(5));
        Grant second = t.pair().server().grant(t.mem().slice(4096, 8192), Access.REMOTE_WRITE, Duration.ofMinutes(5));
        RemoteMr r2 = t.pair().client().acceptGrant();
        assertEquals(second.grantId(), r2.grantId());
        assertTrue(r2.grantId() != t.remote().grantId());
        assertTrue(r2.rkey() != t.remote().rkey(), "two grants of the same memory share rkey " + r2.rkey());
        assertEquals(t.remote().address() + 4096, r2.address());
        assertEquals(8192, r2.length());
        t.grant().revoke();
        eventually("the holder sees the first grant revoked", () -> !t.remote().isValid());
        assertTrue(r2.isValid(), "revoking one grant revoked another of the same memory");
        assertTrue(second.isActive());
        t.pair().client().write(t.src().slice(0, 8192), r2.slice());
        Patterns.assertHolds("a WRITE through the surviving grant", t.mem(), 4096, t.src().getBytes(0, 8192));
        assertThrows(LeaseExpiredException.class, () -> t.pair().client().write(t.src().slice(0, 8), t.remote().slice(0, 8)));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closingGrantedMemoryRevokesItsGrants() {
        Target t = target(Access.REMOTE_ALL, Duration.ofMinutes(5));
        t.mem().close();
        assertFalse(t.grant().isActive(), "a grant of closed memory is still active");
        eventually("the holder sees the grant of closed memory revoked", () -> !t.remote().isValid());
        assertThrows(LeaseExpiredException.class, () -> t.pair().client().write(t.src().slice(0, 8), t.remote().slice(0, 8)));
        assertTrue(t.pair().client().isOpen());
    }

    /** Gives every chunk of a region its own byte value (never the target's pattern), so where a WRITE came from shows. */
    private static void fillDistinct(LocalMr src, int chunk) {
        for (long k = 0; k < src.size() / chunk; k++) {
            src.fill(k * chunk, chunk, (byte) (k * 3 + 1));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void releasingRequestedMemoryGivesItBackAtThePeer() {
        Pair p = pair();
        long before = CoreProbe.poolBytesInUse(serverCtx);
        RemoteMr r = p.client().requestRemote(512 << 10, Access.REMOTE_WRITE, Duration.ofMinutes(1));
        assertTrue(CoreProbe.poolBytesInUse(serverCtx) >= before + (512 << 10), "the peer allocated what it granted");
        p.client().release(r);
        eventually("the peer frees released requested memory", () -> CoreProbe.poolBytesInUse(serverCtx) == before);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void grantedAllocationsAreAlignedAsAsked() {
        Pair p = pair();
        for (long align : new long[] {8, 64, 4096}) {
            for (long size : new long[] {1, 100, 5000, 3 << 20}) {
                LocalMr m = track(serverCtx.allocate(size, align));
                p.server().grant(m, Access.REMOTE_READ, Duration.ofMinutes(1));
                RemoteMr r = p.client().acceptGrant();
                assertEquals(0, r.address() % align, size + " bytes aligned to " + align + " at 0x" + Long.toHexString(r.address()));
                assertEquals(size, r.length());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> serverCtx.allocate(64, 3));
        assertThrows(IllegalArgumentException.class, () -> serverCtx.allocate(0));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void closingGrantedMemoryUnderWritesNeverCorruptsItsNextOwner() throws Exception {
        // async-rdma's flaw: a revoked lease still let the peer write memory that was reused
        Pair p = pair();
        int size = 64 << 10;
        LocalMr src = allocate(clientCtx, size);
        src.fill(0, size, (byte) 0x66);
        for (int round = 0; round < 10; round++) {
            LocalMr granted = serverCtx.allocate(size); // closed below, while the peer writes
            p.server().grant(granted, Access.REMOTE_WRITE, Duration.ofMinutes(1));
            RemoteMr r = p.client().acceptGrant();
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int k = 0; k < 40; k++) {
                try {
                    fs.add(p.client().writeAsync(src.slice(), r.slice()));
                } catch (RdmaException e) {
                    break;
                }
            }
            granted.close();
            // the next owners of that memory (the pool reuses freed blocks) write their own bytes
            List<LocalMr> next = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                LocalMr m = track(serverCtx.allocate(size));
                Patterns.assertFilled("round " + round + ": memory handed out after a granted region was closed", m, 0, size, (byte) 0);
                m.fill(0, size, (byte) (k + 1));
                next.add(m);
            }
            for (CompletableFuture<Void> f : fs) {
                try {
                    f.get(patience().toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    assertInstanceOf(RdmaException.class, e.getCause());
                }
            }
            for (int k = 0; k < 4; k++) {
                Patterns.assertFilled("round " + round + ": a new owner's memory after the peer's late WRITEs", next.get(k), 0, size, (byte) (k + 1));
                next.get(k).close();
            }
            if (!p.client().isOpen()) {
                p = connect(serverCtx, clientCtx); // a WRITE hit the dead rkey and failed the connection: go on with a new one
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void requestedLeasesAreCappedByThePeer() {
        serverCtx = openContext(b -> b.maxLease(Duration.ofMillis(800)));
        clientCtx = openContext();
        Pair p = connect(serverCtx, clientCtx);
        RemoteMr r = p.client().requestRemote(4096, Access.REMOTE_ALL, Duration.ofHours(1));
        assertTrue(r.remainingLease().compareTo(Duration.ofMillis(800)) <= 0, "a lease past the peer's maximum: " + r.remainingLease());
        eventually("a capped lease ends", () -> !r.isValid());
        assertThrows(LeaseExpiredException.class, () -> p.client().fetchAndAdd(r.slice(0, 8), 1));
    }

    /**
     * A region above the pool's chunk has its own memory, freed when it closes; granting it then
     * is refused as closed, before the provider touches the freed memory (verbs' ibv_reg_mr
     * would fail on the closed segment). The fuzz test found it.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void grantingAClosedRegionWhoseMemoryWasFreedIsRefusedAsClosed() {
        RdmaContext server = openContext(b -> b.poolChunkSize(4096));
        Pair p = connect(server, openContext());
        LocalMr big = server.allocate(3 * 4096);
        big.close();
        assertThrows(io.rdma4j.ResourceClosedException.class, () -> p.server().grant(big, Access.REMOTE_READ, Duration.ofMinutes(1)));
        assertEquals(0, p.server().stats().grantsGiven(), "a refused grant was counted");
        assertTrue(p.server().isOpen(), "a refused grant does not break the connection");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badGrantArgumentsAreRefused() {
        Pair p = pair();
        LocalMr m = allocate(serverCtx, 4096);
        assertThrows(IllegalArgumentException.class, () -> p.server().grant(m, Access.REMOTE_READ, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> p.server().grant(m, Access.REMOTE_READ, Duration.ofSeconds(-1)));
        assertThrows(RuntimeException.class, () -> p.server().grant(m, Access.REMOTE_READ, null));
        assertThrows(IllegalArgumentException.class, () -> p.client().requestRemote(0, Access.REMOTE_READ, Duration.ofMinutes(1)));
        assertThrows(IllegalArgumentException.class, () -> p.client().requestRemote(-5, Access.REMOTE_READ, Duration.ofMinutes(1)));
        LocalMr closed = serverCtx.allocate(64);
        closed.close();
        assertThrows(io.rdma4j.ResourceClosedException.class, () -> p.server().grant(closed, Access.REMOTE_READ, Duration.ofMinutes(1)));
        LocalMr foreign = allocate(clientCtx, 64);
        assertThrows(IllegalArgumentException.class, () -> p.server().grant(foreign, Access.REMOTE_READ, Duration.ofMinutes(1)),
                "granting memory of another context");
        assertEquals(0, p.server().stats().grantsGiven(), "a refused grant was counted");
        assertTrue(p.server().isOpen() && p.client().isOpen());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void acceptGrantTimesOutWhenNothingIsGranted() {
        serverCtx = openContext();
        clientCtx = openContext(b -> b.operationTimeout(Duration.ofMillis(300)));
        Pair p = connect(serverCtx, clientCtx);
        assertThrows(io.rdma4j.OperationTimeoutException.class, () -> p.client().acceptGrant());
        // a grant made afterwards still arrives
        LocalMr m = allocate(serverCtx, 64);
        p.server().grant(m, Access.REMOTE_READ, Duration.ofMinutes(1));
        RemoteMr r = await(p.client().acceptGrantAsync());
        assertEquals(64, r.length());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aTimedOutRequestDoesNotStrandThePeersMemory() {
        serverCtx = openContext(b -> b.grantBudget(256L << 20));
        clientCtx = openContext(b -> b.operationTimeout(Duration.ofNanos(1))); // every blocking call times out
        Pair p = connect(serverCtx, clientCtx);
        long before = CoreProbe.poolBytesInUse(serverCtx);
        assertThrows(io.rdma4j.OperationTimeoutException.class,
                () -> p.client().requestRemote(64L << 20, Access.REMOTE_ALL, Duration.ofHours(1)));
        eventually("the peer answers the request", () -> p.server().stats().grantsGiven() == 1);
        // the caller was told the request failed and holds no RemoteMr it could release: whatever
        // the peer allocated for it must not stay allocated (for the lease's hour, or at all)
        eventually("the peer's memory for a request whose caller gave up is given back",
                () -> CoreProbe.poolBytesInUse(serverCtx) == before);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void grantsArriveInOrderAndEachWaiterGetsOne() {
        Pair p = pair();
        LocalMr m = allocate(serverCtx, 1 << 16);
        for (int i = 1; i <= 5; i++) {
            p.server().grant(m.slice(0, 100L * i), Access.REMOTE_READ, Duration.ofMinutes(1));
        }
        for (int i = 1; i <= 5; i++) {
            RemoteMr r = p.client().acceptGrant();
            assertEquals(100L * i, r.length(), "grant " + i + " in the order made");
            assertEquals(p.client(), r.connection());
        }
        List<CompletableFuture<RemoteMr>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(p.client().acceptGrantAsync());
        }
        for (int i = 1; i <= 3; i++) {
            p.server().grant(m.slice(0, 1000L * i), Access.REMOTE_READ, Duration.ofMinutes(1));
        }
        java.util.Set<Long> lengths = new java.util.HashSet<>();
        for (CompletableFuture<RemoteMr> w : waiters) {
            lengths.add(await(w).length());
        }
        assertEquals(java.util.Set.of(1000L, 2000L, 3000L), lengths, "each waiting acceptGrant gets its own grant");
        assertEquals(8, p.client().stats().grantsHeld());
    }
}

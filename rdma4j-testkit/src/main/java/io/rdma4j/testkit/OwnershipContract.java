package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.LocalMr;
import io.rdma4j.MemoryInUseException;
import io.rdma4j.MemoryView;
import io.rdma4j.RdmaContext;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import io.rdma4j.ResourceClosedException;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ownership of local memory: a range handed to an operation is lent from post to completion,
 * shared for the source of a WRITE or SEND, exclusively for the target of a READ, a receive or an
 * atomic result; views lend too. Every conflicting access or lend fails at once with
 * {@link MemoryInUseException} and posts nothing; closing lent memory makes the handle unusable
 * at once and gives the memory back only after the last completion.
 *
 * <p>Operations are kept in flight deterministically: a receive stays posted until a SEND comes,
 * and with {@code rnrRetry} 7 a SEND stays in flight until the peer posts a receive.
 */
public abstract class OwnershipContract extends ContractSupport {
    /** For a provider's subclass. */
    protected OwnershipContract() {}

    private RdmaContext serverCtx;
    private RdmaContext clientCtx;
    private Pair pair;
    private LocalMr serverMem;
    private LocalMr mem;
    private RemoteMr remote;

    @BeforeEach
    void connectPair() {
        serverCtx = openContext(b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)));
        clientCtx = openContext(b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)));
        pair = connect(serverCtx, clientCtx);
        serverMem = allocate(serverCtx, 1 << 16);
        mem = allocate(clientCtx, 1 << 16);
        pair.server().grant(serverMem, Access.REMOTE_ALL, Duration.ofMinutes(10));
        remote = pair.client().acceptGrant();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRangeLentExclusivelyRefusesEveryOtherUse() {
        // a receive into [1000, 2000) is posted and stays so until the peer sends
        mem.fill(0, mem.size(), (byte) 3);
        CompletableFuture<Received> rcv = pair.client().receiveAsync(mem.slice(1000, 1000));
        // the CPU may neither read nor write it
        assertThrows(MemoryInUseException.class, () -> mem.getByte(1500), "reading memory lent to a receive");
        assertThrows(MemoryInUseException.class, () -> mem.getBytes(990, 20), "reading a range overlapping it");
        assertThrows(MemoryInUseException.class, () -> mem.putByte(1999, (byte) 1), "writing its last byte");
        assertThrows(MemoryInUseException.class, () -> mem.putLong(996, 1), "writing across its start");
        assertThrows(MemoryInUseException.class, () -> mem.fill(0, mem.size(), (byte) 0), "filling the whole region");
        assertThrows(MemoryInUseException.class, () -> mem.view(1500, 10), "a write view");
        assertThrows(MemoryInUseException.class, () -> mem.readView(1500, 10), "a read view");
        // nor may another operation
        assertThrows(MemoryInUseException.class, () -> pair.client().writeAsync(mem.slice(1500, 8), remote.slice(0, 8)), "a WRITE from it");
        assertThrows(MemoryInUseException.class, () -> pair.client().sendAsync(mem.slice(1999, 1)), "a SEND from it");
        assertThrows(MemoryInUseException.class, () -> pair.client().readAsync(mem.slice(900, 200), remote.slice(0, 200)), "a READ into it");
        assertThrows(MemoryInUseException.class, () -> pair.client().receiveAsync(mem.slice(1000, 1)), "a second receive into it");
        assertThrows(MemoryInUseException.class, () -> pair.client().batch()
                .compareAndSwap(mem.slice(1992, 8), remote.slice(0, 8), 0, 1).submitAsync(), "an atomic result into it");
        assertEquals(0, serverMem.getLong(0), "a refused atomic changed the target");
        // the bytes next to it are free
        mem.putByte(999, (byte) 7);
        mem.putByte(2000, (byte) 8);
        pair.client().write(mem.slice(2000, 1), remote.slice(5, 1));
        assertEquals(8, serverMem.getByte(5));
        pair.client().read(mem.slice(2001, 8), remote.slice(0, 8));
        // the receive completes: the range is the CPU's again, holding what was sent
        serverMem.put(100, Patterns.bytes(1, 1000));
        pair.server().send(serverMem.slice(100, 1000));
        assertEquals(1000, await(rcv).byteLength());
        Patterns.assertHolds("the received message", mem, 1000, Patterns.bytes(1, 1000));
        mem.putByte(1500, (byte) 1);
        assertEquals(7, mem.getByte(999));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRangeLentSharedAllowsReadsOnly() {
        // a SEND from [0, 4096) is in flight until the peer posts a receive (rnrRetry 7)
        byte[] data = Patterns.bytes(2, 4096);
        mem.put(0, data);
        CompletableFuture<Void> send = pair.client().sendAsync(mem.slice(0, 4096));
        assertFalse(send.isDone(), "the SEND completed with no receive posted");
        // reads are fine
        assertArrayEquals(data, mem.getBytes(0, 4096));
        try (MemoryView rv = mem.readView(100, 100)) {
            assertEquals(data[100], rv.segment().get(ValueLayout.JAVA_BYTE, 0));
            assertTrue(rv.segment().isReadOnly());
        }
        CompletableFuture<Void> alsoFrom = pair.client().writeAsync(mem.slice(0, 64), remote.slice(0, 64));
        // writes are not
        assertThrows(MemoryInUseException.class, () -> mem.putByte(0, (byte) 1), "writing a SEND's source");
        assertThrows(MemoryInUseException.class, () -> mem.put(4000, new byte[200]), "writing across its end");
        assertThrows(MemoryInUseException.class, () -> mem.view(10, 10), "a write view of it");
        assertThrows(MemoryInUseException.class, () -> pair.client().readAsync(mem.slice(10, 10), remote.slice(0, 10)), "a READ into it");
        assertThrows(MemoryInUseException.class, () -> pair.client().receiveAsync(mem.slice(4095, 10)), "a receive into it");
        assertThrows(MemoryInUseException.class, () -> pair.client().batch()
                .fetchAndAdd(mem.slice(8, 8), remote.slice(1024, 8), 1).submitAsync(), "an atomic result into it");
        assertEquals(0, serverMem.getLong(1024), "a refused atomic changed the target");
        // the receive arrives, the SEND completes (and the WRITE queued behind it), the range is writable again
        CompletableFuture<Received> rcv = pair.server().receiveAsync(serverMem.slice(8192, 4096));
        await(send);
        await(alsoFrom);
        Patterns.assertHolds("a WRITE from a range a SEND also reads", serverMem, 0, java.util.Arrays.copyOf(data, 64));
        assertEquals(4096, await(rcv).byteLength());
        Patterns.assertHolds("the SEND that waited", serverMem, 8192, data);
        mem.putByte(0, (byte) 1);
        assertEquals(1, mem.getByte(0));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void viewsLendTheirRangeAndDieWithTheirScope() throws Exception {
        MemoryView w = mem.view(64, 64);
        w.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1234L);
        assertThrows(MemoryInUseException.class, () -> mem.getLong(64), "reading a range under a write view");
        assertThrows(MemoryInUseException.class, () -> pair.client().writeAsync(mem.slice(64, 8), remote.slice(0, 8)), "a WRITE from it");
        assertThrows(MemoryInUseException.class, () -> mem.readView(100, 1), "a read view inside a write view");
        assertThrows(MemoryInUseException.class, () -> mem.view(127, 2), "a second write view overlapping");
        // only the opening thread may use the segment
        Throwable[] other = new Throwable[1];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                w.segment().get(ValueLayout.JAVA_BYTE, 0);
            } catch (Throwable e) {
                other[0] = e;
            }
        });
        t.join();
        assertTrue(other[0] instanceof WrongThreadException, "another thread used the view's segment: " + other[0]);
        var seg = w.segment();
        w.close();
        w.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0), "the segment outlived its view");
        assertEquals(0x1234L, mem.getLong(64));
        pair.client().write(mem.slice(64, 8), remote.slice(0, 8));
        assertEquals(0x1234L, serverMem.getLong(0));
        // read views share with each other and with WRITE sources, and refuse writers
        try (MemoryView a = mem.readView(0, 256); MemoryView b = mem.readView(128, 256)) {
            RuntimeException ro = assertThrows(RuntimeException.class, () -> a.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1),
                    "writing through a read view");
            assertTrue(ro instanceof UnsupportedOperationException || ro instanceof IllegalArgumentException, "refused as read-only: " + ro);
            assertThrows(MemoryInUseException.class, () -> mem.putByte(200, (byte) 1));
            assertThrows(MemoryInUseException.class, () -> pair.client().readAsync(mem.slice(0, 8), remote.slice(0, 8)));
            pair.client().write(mem.slice(0, 256), remote.slice(0, 256));
            assertEquals(b.segment().get(ValueLayout.JAVA_BYTE, 0), serverMem.getByte(128));
        }
        mem.putByte(200, (byte) 1);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closingLentMemoryDefersItsReleaseUntilTheCompletion() {
        LocalMr lent = clientCtx.allocate(8192); // not tracked: this test closes it
        long regions = CoreProbe.regionsInUse(clientCtx);
        long bytes = CoreProbe.poolBytesInUse(clientCtx);
        CompletableFuture<Received> rcv = pair.client().receiveAsync(lent.slice(0, 4096));
        lent.close();
        assertFalse(lent.isOpen());
        assertThrows(ResourceClosedException.class, () -> lent.getByte(5000), "a closed handle is unusable at once");
        assertThrows(ResourceClosedException.class, () -> lent.putByte(5000, (byte) 1));
        assertThrows(RuntimeException.class, () -> pair.client().writeAsync(lent.slice(5000, 8), remote.slice(0, 8)),
                "an operation on a closed region");
        lent.close(); // idempotent
        assertEquals(regions, CoreProbe.regionsInUse(clientCtx), "a region lent to a receive was given back at close");
        assertEquals(bytes, CoreProbe.poolBytesInUse(clientCtx), "lent bytes were returned to the pool at close");
        assertFalse(rcv.isDone());
        // the receive still completes into the memory it was given
        pair.server().send(serverMem.slice(0, 100));
        assertEquals(100, await(rcv).byteLength());
        eventually("the closed region is given back after its last completion",
                () -> CoreProbe.regionsInUse(clientCtx) == regions - 1);
        assertTrue(CoreProbe.poolBytesInUse(clientCtx) < bytes);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closingTheSourceOfAWriteInFlightDoesNotCorruptIt() {
        int size = 8 << 20;
        LocalMr big = allocate(serverCtx, size);
        pair.server().grant(big, Access.REMOTE_WRITE, Duration.ofMinutes(1));
        RemoteMr bigRemote = pair.client().acceptGrant();
        for (int round = 0; round < 5; round++) {
            LocalMr src = clientCtx.allocate(size); // not tracked: closed while lent
            byte[] data = Patterns.bytes(round, size);
            src.put(0, data);
            CompletableFuture<Void> w = pair.client().writeAsync(src.slice(), bigRemote.slice());
            src.close();
            assertFalse(src.isOpen());
            // memory allocated now must not be the lent memory, zeroed and reused
            LocalMr other = allocate(clientCtx, size);
            other.fill(0, size, (byte) 0x77);
            await(w);
            Patterns.assertHolds("round " + round + ": a WRITE whose source was closed while in flight", big, 0, data);
            other.close();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBatchWithOneConflictingEntryPostsNothing() {
        CompletableFuture<Received> rcv = pair.client().receiveAsync(mem.slice(8192, 64));
        mem.put(0, Patterns.bytes(3, 1000));
        serverMem.fill(0, serverMem.size(), (byte) 0);
        CompletableFuture<Received> serverRcv = pair.server().receiveAsync(serverMem.slice(32768, 64));
        assertThrows(MemoryInUseException.class, () -> pair.client().batch()
                .write(mem.slice(0, 1000), remote.slice(0, 1000))
                .send(mem.slice(0, 8))
                .read(mem.slice(8192 + 32, 8), remote.slice(0, 8)) // into the posted receive
                .submitAsync());
        Patterns.assertFilled("the target of a WRITE in a refused batch", serverMem, 0, 1000, (byte) 0);
        assertFalse(serverRcv.isDone(), "the SEND of a refused batch arrived");
        // nothing stayed lent: the same entries without the conflict go through
        mem.putByte(0, mem.getByte(0));
        pair.client().batch().write(mem.slice(0, 1000), remote.slice(0, 1000)).send(mem.slice(0, 8)).submit();
        Patterns.assertHolds("the WRITE of the batch that followed", serverMem, 0, Patterns.bytes(3, 1000));
        assertEquals(8, await(serverRcv).byteLength());
        pair.server().send(serverMem.slice(0, 8));
        assertEquals(8, await(rcv).byteLength());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void allocatedMemoryIsZeroedEvenWhenReused() {
        for (int round = 0; round < 20; round++) {
            long size = 1000 + 4096L * (round % 4);
            LocalMr m = clientCtx.allocate(size);
            Patterns.assertFilled("round " + round + ": fresh allocation", m, 0, (int) size, (byte) 0);
            m.fill(0, size, (byte) -1);
            if (round % 2 == 0) {
                m.close();
            } else {
                // closed while a receive lends it, then written by the device: the deferred free must zero it too
                CompletableFuture<Received> rcv = pair.client().receiveAsync(m.slice(0, 64));
                m.close();
                serverMem.fill(0, 64, (byte) 0x33);
                pair.server().send(serverMem.slice(0, 64));
                await(rcv);
            }
        }
        // everything above went back to the pool
        LocalMr again = allocate(clientCtx, 4096 * 4 + 1000);
        Patterns.assertFilled("a reused block", again, 0, (int) again.size(), (byte) 0);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void cpuAccessIsBoundsChecked() {
        long n = mem.size();
        assertThrows(IndexOutOfBoundsException.class, () -> mem.putByte(n, (byte) 1));
        assertThrows(IndexOutOfBoundsException.class, () -> mem.getByte(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> mem.putLong(n - 7, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> mem.getInt(n - 3));
        assertThrows(IndexOutOfBoundsException.class, () -> mem.put(n - 2, new byte[3]));
        assertThrows(IndexOutOfBoundsException.class, () -> mem.get(0, new byte[3], 2, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> mem.fill(n - 1, 2, (byte) 0));
        assertThrows(IndexOutOfBoundsException.class, () -> mem.view(n - 1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> mem.slice(n, 1));
        mem.putLong(n - 8, 0x0102030405060708L);
        assertEquals(0x0102030405060708L, mem.getLong(n - 8));
        mem.putDouble(0, 1.5);
        assertEquals(1.5, mem.getDouble(0));
        mem.putInt(3, -2);
        assertEquals(-2, mem.getInt(3));
    }
}

package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Batch;
import io.rdma4j.Connection;
import io.rdma4j.ConnectionClosedException;
import io.rdma4j.FlushedException;
import io.rdma4j.LocalMr;
import io.rdma4j.MemoryInUseException;
import io.rdma4j.RdmaContext;
import io.rdma4j.RemoteMr;
import io.rdma4j.spi.PartialPostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A post list the device takes only in part ({@code ibv_post_send} stops at a bad request and
 * names it): the requests it took may be reading their memory, so that memory stays lent until
 * they report or the connection is gone, and the connection fails so that they flush; the
 * requests it refused fail at once and give their memory back. The client runs the provider
 * under test through {@link FaultProvider}, which makes the refusal happen on demand.
 */
public abstract class PartialPostContract extends FaultContractSupport {
    /** For a provider's subclass. */
    protected PartialPostContract() {}

    private static final int PART = 1024;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void memoryOfTheRequestsTheDeviceTookStaysLentUntilTheConnectionIsGone() {
        RdmaContext server = openContext();
        // the client: the provider under test behind the fault wrapper; a short operation
        // timeout bounds how long close waits for requests that will never report
        RdmaContext client = track(openBehindFaults(b -> b.operationTimeout(Duration.ofSeconds(2))));
        Pair pair = connect(server, client);
        LocalMr target = allocate(server, 4 * PART);
        pair.server().grant(target, Access.REMOTE_WRITE, Duration.ofMinutes(10));
        RemoteMr remote = pair.client().acceptGrant();
        LocalMr mem = allocate(client, 4 * PART);
        for (int i = 0; i < 4; i++) {
            mem.put((long) i * PART, Patterns.bytes(i + 1, PART));
        }
        Batch writes = pair.client().batch();
        for (int i = 0; i < 4; i++) {
            writes.write(mem.slice((long) i * PART, PART), remote.slice((long) i * PART, PART));
        }

        FaultProvider.refuseNextPostAfter(2); // the first two WRITEs reach the device, the last two do not
        CompletableFuture<Void> done = writes.submitAsync();

        // The device took two WRITEs: their source stays lent (the CPU may read it, not write it).
        assertThrows(MemoryInUseException.class, () -> mem.putByte(0, (byte) 0), "writing the source of a WRITE the device took");
        assertThrows(MemoryInUseException.class, () -> mem.putByte(2L * PART - 1, (byte) 0), "writing the source of the second");
        assertEquals(Patterns.bytes(1, PART)[0], mem.getByte(0), "reading a WRITE's source is allowed");
        // The two it refused gave their memory back at once.
        mem.putByte(2L * PART, (byte) 0x5a);
        mem.putByte(4L * PART - 1, (byte) 0x5a);
        // The connection failed, so that the device flushes what it took.
        assertFalse(pair.client().isOpen(), "the connection stays usable after a partial post");
        assertThrows(ConnectionClosedException.class,
                () -> pair.client().writeAsync(mem.slice(3L * PART, 8), remote.slice(0, 8)), "a new operation");
        assertFalse(done.isDone(), "the batch reported while two of its WRITEs were still on the device");

        // Once the endpoint is gone the device can no longer touch the memory: it comes back.
        FaultProvider.release();
        Connection c = pair.client();
        c.close();
        // The batch reports the first failure to arrive: the refusal (delivered off the lock, on
        // the context's executor) or the flush of a WRITE the device took, whichever comes first.
        Throwable why = awaitFailure(done);
        assertTrue(why instanceof PartialPostException || why instanceof FlushedException
                || why instanceof ConnectionClosedException, "the batch fails with the refusal or a flush, not " + why);
        mem.putByte(0, (byte) 1);
        mem.putByte(2L * PART - 1, (byte) 1);
        assertEquals(1, mem.getByte(0));
        // What was refused never reached the peer.
        assertEquals(0, target.getLong(2L * PART), "a refused WRITE landed");
        assertEquals(0, target.getLong(4L * PART - 8), "a refused WRITE landed");
        assertThrows(ConnectionClosedException.class, () -> c.write(mem.slice(0, 8), remote.slice(0, 8)), "a write after close");
        mem.close();
        checkNothingInUse(client);
    }
}

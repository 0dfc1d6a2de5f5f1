package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.ConnectionClosedException;
import io.rdma4j.LocalMr;
import io.rdma4j.MemoryInUseException;
import io.rdma4j.RdmaContext;
import io.rdma4j.Received;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An endpoint the provider cannot free (verbs: {@code ibv_destroy_qp} fails): its work neither
 * flushed nor stopped, so the device may still write the memory that work lends after the
 * connection is closed. That memory must stay lent and never be reused. The closing side runs
 * the provider under test through {@link FaultProvider}, which strands the endpoint on demand.
 */
public abstract class StrandedEndpointContract extends FaultContractSupport {
    /** For a provider's subclass. */
    protected StrandedEndpointContract() {}

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void memoryOfWorkOnAnEndpointThatCannotBeFreedIsKeptForGood() {
        RdmaContext server = openContext();
        // Not tracked: it keeps memory for good, which the teardown's leak check would report;
        // a short operation timeout bounds how long close waits for flushes that never come.
        RdmaContext client = openBehindFaults(b -> b.operationTimeout(Duration.ofSeconds(1)));
        try {
            Pair pair = connect(server, client);
            LocalMr inbox = client.allocate(4096);
            CompletableFuture<Received> posted = pair.client().receiveAsync(inbox.slice(0, 64));

            FaultProvider.strandNextEndpoint();
            pair.client().close();

            Throwable why = awaitFailure(posted);
            assertTrue(why instanceof ConnectionClosedException, "the receive failed with " + why);
            assertTrue(why.getMessage().contains("stays lent"), "the failure does not say the memory stays lent: " + why);
            // The device may still write the receive's memory: the CPU may not, and it is never reused.
            assertThrows(MemoryInUseException.class, () -> inbox.putByte(0, (byte) 1), "writing a stranded receive's memory");
            long inUse = CoreProbe.poolBytesInUse(client);
            inbox.close();
            assertEquals(inUse, CoreProbe.poolBytesInUse(client), "memory the device may still write went back to the pool");
            // And the device does write it: the peer's SEND is taken by the stranded receive.
            LocalMr msg = allocate(server, 64);
            msg.put(0, Patterns.bytes(3, 64));
            pair.server().send(msg.slice(0, 64));
        } finally {
            FaultProvider.release(); // frees the stranded endpoint for real
            client.close();
        }
    }
}

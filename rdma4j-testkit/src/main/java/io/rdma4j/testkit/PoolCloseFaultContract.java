package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A context's close when its memory pool cannot deregister a chunk (verbs: {@code ibv_dereg_mr}
 * fails). The failure reaches the caller, but only once the rest of the close has run: every
 * other registration deregistered and the device closed. The context runs the provider under
 * test through {@link FaultProvider}, which fails the first deregistration on demand.
 */
public abstract class PoolCloseFaultContract extends FaultContractSupport {
    /** For a provider's subclass. */
    protected PoolCloseFaultContract() {}

    private static final long CHUNK = 64 * 1024;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aChunkThatCannotBeDeregisteredLeavesTheRestOfTheCloseToRun() {
        // Not tracked: the test closes it, and that close throws.
        RdmaContext ctx = openBehindFaults(b -> b.poolChunkSize(CHUNK));
        // Two regions that fill a chunk each; closed, they go back to the pool, whose chunks
        // stay registered until the context closes.
        LocalMr first = ctx.allocate(CHUNK, 4096);
        LocalMr second = ctx.allocate(CHUNK, 4096);
        first.close();
        second.close();
        FaultProvider.LocalRegistrations before = FaultProvider.localRegistrations();
        assertTrue(before.live() >= 2, "expected two registered chunks at least, the device holds " + before.live());

        FaultProvider.failNextLocalDeregistration();
        RdmaException e = assertThrows(RdmaException.class, ctx::close);
        assertTrue(e.getMessage().contains("deregistering memory failed"), "not the deregistration's failure: " + e);
        assertFalse(ctx.isOpen(), "the context stayed open");
        FaultProvider.LocalRegistrations after = FaultProvider.localRegistrations();
        assertEquals(1, after.atClose(), "when the device closed it held registrations other than the refused one"
                + " (-1: it was not closed)");
        assertEquals(0, after.live(), "the device's close did not deregister the refused registration");
    }
}

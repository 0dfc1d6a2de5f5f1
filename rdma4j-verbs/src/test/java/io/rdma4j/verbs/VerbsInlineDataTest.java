package io.rdma4j.verbs;

import io.rdma4j.testkit.InlineDataCheck;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** rxe takes small WRITEs and SENDs inline, as perftest's latency tests post them, and only up to the QP's limit. */
@Timeout(120)
class VerbsInlineDataTest {

    @Test
    void smallPayloadsGoInlineUpToTheQueuePairsLimit() throws Exception {
        SoftRoce.assumeDevice();
        InlineDataCheck.run(new VerbsProvider(), SoftRoce.config(Map.of()), SoftRoce.address(),
                e -> ((VerbsEndpoint) e).maxInline);
    }
}

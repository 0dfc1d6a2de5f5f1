package io.rdma4j.verbs.interop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.verbs.VerbsProvider;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code rdma4j.verbs.control} is checked like {@code connect}: a bad value is a clear refusal. Runs anywhere. */
class ForeignPeerConfigTest {
    @Test
    void aBadControlModeIsRefusedWithTheChoices() {
        ProviderAvailability a = new VerbsProvider().probe(new ProviderConfig(null, 1, -1, 7, Duration.ofMillis(1), 7,
                Duration.ofSeconds(4), Map.of("control", "bogus")));
        assertFalse(a.available());
        // without libibverbs the probe stops before reading the property
        if (!a.reason().startsWith("libibverbs cannot be used")) {
            assertTrue(a.reason().contains("rdma4j.verbs.control must be qp or none, not 'bogus'"), a.reason());
            assertTrue(a.hint().contains("rdma4j.verbs.control=qp or none"), a.hint());
        }
    }
}

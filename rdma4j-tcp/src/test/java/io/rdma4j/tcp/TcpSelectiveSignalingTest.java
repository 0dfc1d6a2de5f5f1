package io.rdma4j.tcp;

import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.testkit.SelectiveSignalingCheck;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tcp provider keeps the verbs rules for unsignaled requests, so the core may rely on them. */
@Timeout(60)
class TcpSelectiveSignalingTest {

    @Test
    void unsignaledRequestsReportOnlyFailures() throws Exception {
        SelectiveSignalingCheck.run(new TcpProvider(),
                new ProviderConfig(null, 1, -1, 7, Duration.ofMillis(1), 7, Duration.ofSeconds(4), Map.of()), "127.0.0.1");
    }
}

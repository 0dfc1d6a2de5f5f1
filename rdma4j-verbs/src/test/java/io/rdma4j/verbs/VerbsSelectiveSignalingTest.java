package io.rdma4j.verbs;

import io.rdma4j.testkit.SelectiveSignalingCheck;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** rxe with {@code sq_sig_all = 0}: what the core's completion of unsignaled requests relies on. */
@Timeout(120)
class VerbsSelectiveSignalingTest {

    @Test
    void unsignaledRequestsReportOnlyFailures() throws Exception {
        SoftRoce.assumeDevice();
        SelectiveSignalingCheck.run(new VerbsProvider(), SoftRoce.config(Map.of()), SoftRoce.address());
    }
}

package io.rdma4j.verbs;

import io.rdma4j.testkit.PartialPostCheck;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** rxe refuses a misaligned atomic in the middle of a post list: the provider says how many it took. */
@Timeout(120)
class VerbsPartialPostTest {

    @Test
    void aListRefusedPartWaySaysHowManyWerePosted() throws Exception {
        SoftRoce.assumeDevice();
        PartialPostCheck.run(new VerbsProvider(), SoftRoce.config(Map.of()), SoftRoce.address());
    }
}

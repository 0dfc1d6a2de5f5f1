package io.rdma4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** An unavailable provider is listed with its reason and hint; selecting it is a one-line usage error. */
class UnavailableProviderTest {

    @Test
    void devicesShowsReasonAndHint() {
        CliRun r = CliRun.of("devices");
        assertEquals(Main.OK, r.status(), r::toString); // tcp is available
        assertTrue(r.out().contains("provider fake-missing (priority -1): unavailable"), r::toString);
        assertTrue(r.out().contains("reason: libfake.so.1 not found"), r::toString);
        assertTrue(r.out().contains("hint:   apt-get install libfake1"), r::toString);
        assertTrue(r.out().contains("provider fake-broken (priority -2): unavailable"), r::toString);
        assertTrue(r.out().contains("its probe threw java.lang.IllegalStateException: probe exploded"), r::toString);
        // highest priority first
        assertTrue(r.out().indexOf("provider tcp") < r.out().indexOf("provider fake-missing"), r::toString);
    }

    @Test
    void devicesJsonCarriesReasonAndHint() {
        CliRun r = CliRun.of("devices", "--json");
        assertTrue(r.out().contains("{\"name\":\"fake-missing\",\"priority\":-1,\"available\":false,"
                + "\"reason\":\"libfake.so.1 not found\",\"hint\":\"apt-get install libfake1\",\"devices\":[]}"), r::toString);
    }

    @Test
    void versionListsEveryProvider() {
        CliRun r = CliRun.of("version");
        assertTrue(r.out().contains("fake-missing (priority -1): unavailable: libfake.so.1 not found"), r::toString);
    }

    @Test
    void selectingItIsAUsageErrorWithTheHint() {
        CliRun r = CliRun.of("demo", "--provider", "fake-missing");
        assertEquals(Main.USAGE, r.status(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("apt-get install libfake1"), r::toString);
    }
}

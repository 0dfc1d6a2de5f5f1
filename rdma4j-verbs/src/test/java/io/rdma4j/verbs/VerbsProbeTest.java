package io.rdma4j.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.ProviderUnavailableException;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaOptions;
import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.RdmaProvider;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs everywhere: the provider is found, its probe never throws and says what is missing. */
class VerbsProbeTest {

    @Test
    void theProviderIsFoundByServiceLoader() {
        var names = java.util.ServiceLoader.load(RdmaProvider.class).stream().map(p -> p.get().name()).toList();
        assertTrue(names.contains("verbs"), "verbs is not among " + names);
    }

    @Test
    void probeSaysWhatIsMissingOrThatItCanRun() {
        ProviderAvailability a = new VerbsProvider().probe(SoftRoce.config(Map.of()));
        if (a.available()) {
            assertEquals("", a.reason());
            return;
        }
        assertFalse(a.reason().isBlank());
        assertFalse(a.hint().isBlank(), "an unavailable provider must say what to do: " + a);
        boolean known = a.hint().contains("apt-get install") || a.hint().contains("rdma link add")
                || a.hint().contains("ip link set");
        assertTrue(known, "hint names no package, no rxe set-up and no link: " + a);
    }

    @Test
    void aNamedDeviceThatDoesNotExistIsExplained() {
        var c = new io.rdma4j.spi.ProviderConfig("nosuchdev9", 1, -1, 7, java.time.Duration.ofMillis(1), 7,
                java.time.Duration.ofSeconds(1), Map.of());
        ProviderAvailability a = new VerbsProvider().probe(c);
        assertFalse(a.available());
        assertTrue(a.reason().contains("nosuchdev9") || a.reason().contains("no RDMA device")
                || a.reason().contains("libibverbs"), a.toString());
    }

    @Test
    void aBadConnectModeIsExplained() {
        ProviderAvailability a = new VerbsProvider().probe(SoftRoce.config(Map.of("connect", "carrier-pigeon")));
        assertFalse(a.available());
        assertTrue(a.reason().contains("carrier-pigeon"), a.toString());
    }

    @Test
    void aBadInlineDataSizeIsExplained() {
        for (String bad : new String[] {"-1", "4097", "lots"}) {
            ProviderAvailability a = new VerbsProvider().probe(SoftRoce.config(Map.of("maxInlineData", bad)));
            assertFalse(a.available(), bad);
            assertTrue(a.reason().contains("maxInlineData") && a.reason().contains("'" + bad + "'"), a.toString());
        }
        ProviderAvailability off = new VerbsProvider().probe(SoftRoce.config(Map.of("maxInlineData", "0")));
        assertFalse(off.reason().contains("maxInlineData"), "0 (inline data off) is a valid setting: " + off);
    }

    @Test
    void openingWithoutADeviceIsAProviderUnavailableExceptionWithTheHint() {
        ProviderAvailability a = new VerbsProvider().probe(SoftRoce.config(Map.of()));
        org.junit.jupiter.api.Assumptions.assumeFalse(a.available(), "a device is present");
        ProviderUnavailableException e = assertThrows(ProviderUnavailableException.class,
                () -> Rdma.open(RdmaOptions.builder().provider("verbs").build()));
        assertEquals(a.hint(), e.hint());
    }

    @Test
    void describeDevicesNeverThrows() {
        var devices = new VerbsProvider().describeDevices();
        assertTrue(devices.stream().allMatch(d -> d.provider().equals("verbs")));
    }
}

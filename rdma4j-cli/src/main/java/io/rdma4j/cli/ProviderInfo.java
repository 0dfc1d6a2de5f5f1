package io.rdma4j.cli;

import io.rdma4j.RdmaOptions;
import io.rdma4j.spi.DeviceDescription;
import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.RdmaProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * What the command knows about one provider: found through {@link ServiceLoader} exactly as the
 * core finds them, probed with the default options. A provider that breaks its promise never to
 * throw is reported as unavailable with what it threw.
 *
 * @param name the provider's name
 * @param priority its rank for {@code auto}
 * @param availability whether it can run here, and why not
 * @param devices what it describes
 */
public record ProviderInfo(String name, int priority, ProviderAvailability availability, List<DeviceDescription> devices) {

    /** Every provider on the module or class path, highest priority first, probed. */
    public static List<ProviderInfo> all() {
        List<RdmaProvider> found = new ArrayList<>();
        ServiceLoader.load(RdmaProvider.class, ProviderInfo.class.getClassLoader()).forEach(found::add);
        found.sort(Comparator.comparingInt(RdmaProvider::priority).reversed());
        RdmaOptions o = RdmaOptions.defaults();
        List<ProviderInfo> list = new ArrayList<>();
        for (RdmaProvider p : found) {
            ProviderAvailability a;
            try {
                a = p.probe(config(o, p.name()));
            } catch (RuntimeException | LinkageError e) {
                a = ProviderAvailability.no("its probe threw " + e, "report this as a bug of the provider");
            }
            List<DeviceDescription> devices;
            try {
                devices = p.describeDevices();
            } catch (RuntimeException | LinkageError e) {
                devices = List.of();
                if (a.available()) {
                    a = ProviderAvailability.no("describing its devices threw " + e, "report this as a bug of the provider");
                }
            }
            list.add(new ProviderInfo(p.name(), p.priority(), a, devices == null ? List.of() : devices));
        }
        return list;
    }

    /** The configuration the core would open this provider with: options plus {@code rdma4j.<name>.*} properties. */
    static ProviderConfig config(RdmaOptions o, String providerName) {
        Map<String, String> props = new HashMap<>();
        String prefix = "rdma4j." + providerName + ".";
        System.getProperties().forEach((k, v) -> {
            if (k instanceof String s && s.startsWith(prefix)) {
                props.put(s.substring(prefix.length()), String.valueOf(v));
            }
        });
        props.putAll(o.properties());
        return new ProviderConfig(o.device(), o.port(), o.gidIndex(), o.rnrRetry(), o.rnrDelay(), o.retryCount(),
                o.ackTimeout(), props);
    }

    /** A short state: {@code available} or {@code unavailable: reason}. */
    public String state() {
        return availability.available() ? "available" : "unavailable: " + availability.reason();
    }
}

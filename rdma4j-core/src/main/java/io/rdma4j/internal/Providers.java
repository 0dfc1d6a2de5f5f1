package io.rdma4j.internal;

import io.rdma4j.ProviderUnavailableException;
import io.rdma4j.RdmaOptions;
import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.RdmaProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Finds providers with {@link ServiceLoader} and picks one: by name, or for {@code auto} the
 * available one of highest priority, logging why each better one was passed over.
 */
public final class Providers {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.provider");

    private Providers() {}

    /** A chosen provider with the configuration to open it with. */
    record Choice(RdmaProvider provider, ProviderConfig config) {}

    /** Every provider on the module or class path, highest priority first. */
    public static List<RdmaProvider> all() {
        List<RdmaProvider> list = new ArrayList<>();
        ServiceLoader.load(RdmaProvider.class, Providers.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(RdmaProvider::priority).reversed());
        return list;
    }

    /**
     * The configuration a provider is opened with.
     *
     * @param o options
     * @param providerName for the {@code rdma4j.<provider>.*} system properties
     * @return the configuration
     */
    public static ProviderConfig config(RdmaOptions o, String providerName) {
        Map<String, String> props = ProviderConfig.systemProperties(providerName);
        props.putAll(o.properties());
        return new ProviderConfig(o.device(), o.port(), o.gidIndex(), o.rnrRetry(), o.rnrDelay(), o.retryCount(),
                o.ackTimeout(), props);
    }

    static Choice select(RdmaOptions o) {
        List<RdmaProvider> all = all();
        if (!o.provider().equals("auto")) {
            for (RdmaProvider p : all) {
                if (p.name().equals(o.provider())) {
                    ProviderConfig c = config(o, p.name());
                    ProviderAvailability a = p.probe(c);
                    if (!a.available()) {
                        throw new ProviderUnavailableException(p.name(), a.reason(), a.hint());
                    }
                    return new Choice(p, c);
                }
            }
            throw new ProviderUnavailableException(o.provider(), "no such provider; known: "
                    + all.stream().map(RdmaProvider::name).toList(), "choose one of those with -Drdma4j.provider or RDMA4J_PROVIDER");
        }
        StringBuilder why = new StringBuilder();
        for (RdmaProvider p : all) {
            ProviderConfig c = config(o, p.name());
            ProviderAvailability a = p.probe(c);
            if (a.available()) {
                if (!why.isEmpty()) {
                    LOG.log(System.Logger.Level.INFO, "auto selected provider '" + p.name() + "'; passed over:" + why);
                }
                return new Choice(p, c);
            }
            why.append(" ").append(p.name()).append(" (").append(a.reason())
                    .append(a.hint().isEmpty() ? "" : "; " + a.hint()).append(")");
        }
        boolean tcpPresent = all.stream().anyMatch(p -> p.name().equals("tcp"));
        throw new ProviderUnavailableException("auto", all.isEmpty() ? "no provider found on the module or class path"
                : "no provider can run:" + why, tcpPresent
                        ? "see why each provider refused; a device name applies to one provider only"
                        : "put rdma4j-tcp on the path for the embedded default");
    }
}

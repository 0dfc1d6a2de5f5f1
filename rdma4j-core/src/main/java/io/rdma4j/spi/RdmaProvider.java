package io.rdma4j.spi;

import java.util.List;

/**
 * A transport that can carry rdma4j's reliable-connected semantics, found with
 * {@link java.util.ServiceLoader}. Like a libfabric provider: a small table of entry points.
 *
 * <p>Implementations must never throw from their constructor or from {@link #probe}: an
 * unavailable provider says why, so {@code auto} selection can log it and move on.
 */
public interface RdmaProvider {

    /** The name used by {@code -Drdma4j.provider}, {@code RDMA4J_PROVIDER} and options, e.g. {@code tcp}. */
    String name();

    /**
     * Preference for {@code auto} selection among available providers; higher wins
     * (verbs on an active port outranks tcp).
     */
    int priority();

    /** Cheap check whether {@link #open} can succeed with this configuration; never throws. */
    ProviderAvailability probe(ProviderConfig config);

    /**
     * Opens the device this configuration names (or the provider's default one).
     *
     * @throws io.rdma4j.ProviderUnavailableException when the provider cannot run here, naming
     *     what to install or do
     */
    ProviderDevice open(ProviderConfig config);

    /** What the {@code devices} command shows for this provider; never throws. */
    List<DeviceDescription> describeDevices();
}

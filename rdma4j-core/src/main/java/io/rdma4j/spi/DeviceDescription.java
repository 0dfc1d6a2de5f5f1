package io.rdma4j.spi;

import java.util.List;
import java.util.Map;

/**
 * One device of one provider as the {@code devices} command lists it.
 *
 * @param provider the provider's name
 * @param device the device's name
 * @param usable whether rdma4j can open and use it now
 * @param attributes ordered name/value pairs (guid, firmware, limits, ...)
 * @param ports one entry per port: state, MTU, link layer, GIDs
 */
public record DeviceDescription(String provider, String device, boolean usable,
                                Map<String, String> attributes, List<Map<String, String>> ports) {
    /** Defensive copies: descriptions are shared with callers. */
    public DeviceDescription {
        attributes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributes));
        ports = ports.stream().map(p -> java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(p))).toList();
    }
}

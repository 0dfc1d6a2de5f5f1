package io.rdma4j.spi;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What a provider is told when it is opened. Built by the core from {@code RdmaOptions}.
 *
 * @param device the device to open, or null for the provider's default
 * @param port the port number (1-based, as in verbs)
 * @param gidIndex the GID table index to use, or -1 to choose (RoCE v2 over IPv4 first)
 * @param rnrRetry receiver-not-ready retries before failing a SEND (7 means forever, as in verbs)
 * @param rnrDelay how long a sender waits before retrying after a receiver-not-ready answer
 * @param retryCount transport retries before a work request fails with RETRY_EXC_ERR
 * @param ackTimeout how long a request may go unacknowledged before a transport retry
 * @param properties provider-specific settings ({@code rdma4j.<provider>.<name>} system properties)
 */
public record ProviderConfig(String device, int port, int gidIndex, int rnrRetry, Duration rnrDelay,
                             int retryCount, Duration ackTimeout, Map<String, String> properties) {
    /** Defensive copy. */
    public ProviderConfig {
        properties = Map.copyOf(properties);
    }

    /**
     * The {@code rdma4j.<provider>.<name>} system properties, keyed by name: the settings a
     * provider is opened with where the options do not set them.
     *
     * @param providerName the provider's name
     * @return a new mutable map
     */
    public static Map<String, String> systemProperties(String providerName) {
        Map<String, String> props = new HashMap<>();
        String prefix = "rdma4j." + providerName + ".";
        System.getProperties().forEach((k, v) -> {
            if (k instanceof String s && s.startsWith(prefix)) {
                props.put(s.substring(prefix.length()), String.valueOf(v));
            }
        });
        return props;
    }

    /**
     * A provider-specific setting.
     *
     * @param name the setting's name without prefix
     * @param fallback the value when unset
     * @return the value
     */
    public String property(String name, String fallback) {
        return properties.getOrDefault(name, fallback);
    }
}

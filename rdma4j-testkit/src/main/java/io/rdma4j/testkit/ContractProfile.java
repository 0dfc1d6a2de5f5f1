package io.rdma4j.testkit;

import io.rdma4j.RdmaOptions;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A provider's settings for the contract classes, stated once per provider rather than in each
 * of its contract subclasses. {@link ContractSupport} finds the one profile on the test class
 * path through {@link ServiceLoader}: a provider's test tree has one public implementation with a
 * public no-argument constructor, named in
 * {@code src/test/resources/META-INF/services/io.rdma4j.testkit.ContractProfile}.
 */
public interface ContractProfile {
    /**
     * The provider under test.
     *
     * @return its name as {@link RdmaOptions#provider()} takes it ({@code tcp}, {@code verbs}, ...)
     */
    String provider();

    /**
     * The address to listen on and connect to when the system property
     * {@value ContractSupport#HOST_PROPERTY} does not name one.
     *
     * @return {@code 127.0.0.1} unless a provider changes it
     */
    default String defaultHost() {
        return "127.0.0.1";
    }

    /**
     * Adjusts the options of every context a contract test opens, before the test's own settings.
     * Default: nothing.
     *
     * @param builder options with the provider already set
     */
    default void configure(RdmaOptions.Builder builder) {}

    /**
     * The largest single transfer the data tests make.
     *
     * @return bytes; 16 MiB unless a provider lowers it
     */
    default long maxTransferSize() {
        return 16L << 20;
    }

    /**
     * How long a test waits for something that should happen promptly (a future, a leak check).
     *
     * @return the wait; 20 seconds unless a provider changes it
     */
    default Duration patience() {
        return Duration.ofSeconds(20);
    }

    /**
     * Runs before anything of a contract class, even its first context: a provider that needs
     * hardware skips the class here (a JUnit assumption) where the hardware is missing.
     * Default: nothing, always ready.
     */
    default void assumeReady() {}

    /**
     * The one profile on the class path.
     *
     * @return it
     * @throws IllegalStateException when there is none or more than one
     */
    static ContractProfile load() {
        List<ContractProfile> found = ServiceLoader.load(ContractProfile.class).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + ContractProfile.class.getName()
                    + " on the test class path (named in META-INF/services), found " + found.size() + ": "
                    + found.stream().map(p -> p.getClass().getName()).toList());
        }
        return found.getFirst();
    }
}

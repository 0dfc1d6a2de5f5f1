package io.rdma4j.cli;

import io.rdma4j.ProviderUnavailableException;
import io.rdma4j.spi.DeviceDescription;
import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.RdmaProvider;
import java.util.List;

/**
 * Providers that cannot run, registered for the tests only (below tcp's priority, so
 * {@code auto} never reaches them): one that says why and what to install, and one that breaks
 * the SPI's promise never to throw.
 */
final class FakeProviders {
    private FakeProviders() {}

    /** A provider whose native library is missing. */
    public static final class Missing implements RdmaProvider {
        @Override
        public String name() {
            return "fake-missing";
        }

        @Override
        public int priority() {
            return -1;
        }

        @Override
        public ProviderAvailability probe(ProviderConfig config) {
            return ProviderAvailability.no("libfake.so.1 not found", "apt-get install libfake1");
        }

        @Override
        public ProviderDevice open(ProviderConfig config) {
            throw new ProviderUnavailableException(name(), "libfake.so.1 not found", "apt-get install libfake1");
        }

        @Override
        public List<DeviceDescription> describeDevices() {
            return List.of();
        }
    }

    /** A provider that throws where it must not. */
    public static final class Broken implements RdmaProvider {
        @Override
        public String name() {
            return "fake-broken";
        }

        @Override
        public int priority() {
            return -2;
        }

        @Override
        public ProviderAvailability probe(ProviderConfig config) {
            throw new IllegalStateException("probe exploded");
        }

        @Override
        public ProviderDevice open(ProviderConfig config) {
            throw new IllegalStateException("open exploded");
        }

        @Override
        public List<DeviceDescription> describeDevices() {
            throw new IllegalStateException("describe exploded");
        }
    }
}

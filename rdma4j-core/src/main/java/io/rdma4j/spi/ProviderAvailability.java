package io.rdma4j.spi;

/**
 * Whether a provider can run here and, when not, why and what to do about it.
 *
 * @param available true when {@link RdmaProvider#open} is expected to succeed
 * @param reason why not, empty when available
 * @param hint what a user should install or do, empty when nothing helps
 */
public record ProviderAvailability(boolean available, String reason, String hint) {
    /** A provider that can run. */
    public static ProviderAvailability yes() {
        return new ProviderAvailability(true, "", "");
    }

    /**
     * A provider that cannot run.
     *
     * @param reason why not
     * @param hint what to install or do
     * @return the unavailability
     */
    public static ProviderAvailability no(String reason, String hint) {
        return new ProviderAvailability(false, reason, hint);
    }
}

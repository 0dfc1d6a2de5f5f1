package io.rdma4j;

import io.rdma4j.internal.ContextImpl;

/** Where rdma4j starts: opens a context on the selected provider. */
public final class Rdma {
    private Rdma() {}

    /**
     * Opens a context with the default options ({@code auto} provider unless
     * {@code -Drdma4j.provider} or {@code RDMA4J_PROVIDER} says otherwise).
     *
     * @return the context
     * @throws ProviderUnavailableException when no provider can run
     */
    public static RdmaContext open() {
        return open(RdmaOptions.defaults());
    }

    /**
     * Opens a context.
     *
     * @param options validated options
     * @return the context
     * @throws ProviderUnavailableException when the selected provider cannot run
     */
    public static RdmaContext open(RdmaOptions options) {
        return ContextImpl.open(options);
    }
}

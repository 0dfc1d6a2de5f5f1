package io.rdma4j.internal;

import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;

/** The safe core's context (being written). */
public final class ContextImpl {
    private ContextImpl() {}

    /**
     * @param options options
     * @return the context
     */
    public static RdmaContext open(RdmaOptions options) {
        throw new UnsupportedOperationException("core not yet written");
    }
}

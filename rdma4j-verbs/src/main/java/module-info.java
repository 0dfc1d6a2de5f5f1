/**
 * The verbs provider: libibverbs and librdmacm through the FFM binding of {@code io.rdma4j.ffi}.
 * Exports nothing; found by {@link java.util.ServiceLoader} as provider {@code verbs}.
 */
module io.rdma4j.verbs {
    requires io.rdma4j;
    requires io.rdma4j.ffi;

    provides io.rdma4j.spi.RdmaProvider with io.rdma4j.verbs.VerbsProvider;
}

/** The verbs provider: libibverbs and librdmacm through the FFM binding of {@code io.rdma4j.ffi}. */
module io.rdma4j.verbs {
    requires io.rdma4j;
    requires io.rdma4j.ffi;
}

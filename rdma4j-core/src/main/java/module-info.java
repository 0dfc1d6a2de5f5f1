/**
 * rdma4j: safe, asynchronous RDMA. The public API ({@code io.rdma4j}) and the provider SPI
 * ({@code io.rdma4j.spi}); the safe core is internal.
 */
module io.rdma4j {
    requires io.rdma4j.ffi;
    requires jdk.jfr;

    exports io.rdma4j;
    exports io.rdma4j.spi;

    uses io.rdma4j.spi.RdmaProvider;
}

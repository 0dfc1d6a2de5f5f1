/**
 * The TCP provider: rdma4j's reliable-connected semantics over plain sockets, in pure Java.
 * Nothing is exported; the core finds it through {@link java.util.ServiceLoader}.
 */
module io.rdma4j.tcp {
    requires io.rdma4j;

    provides io.rdma4j.spi.RdmaProvider with io.rdma4j.tcp.TcpProvider;
}

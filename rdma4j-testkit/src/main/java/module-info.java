/**
 * The provider contract: abstract JUnit Jupiter test classes every rdma4j provider runs by
 * subclassing them with its name. Provider-neutral: everything goes through the public API.
 */
module io.rdma4j.testkit {
    requires transitive io.rdma4j;
    requires transitive org.junit.jupiter.api;
    requires jdk.management; // the per-thread allocation counter of the allocation checks, thread dumps
    requires java.logging; // a contract watches the core's warnings

    exports io.rdma4j.testkit;
    uses io.rdma4j.testkit.ContractProfile;
    uses io.rdma4j.spi.RdmaProvider; // FaultProvider finds the provider it wraps
    provides io.rdma4j.spi.RdmaProvider with io.rdma4j.testkit.FaultProvider;
    opens io.rdma4j.testkit to org.junit.platform.commons;
}

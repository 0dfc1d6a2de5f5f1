/**
 * The {@code rdma4j} command: {@code demo}, {@code devices}, {@code version} and {@code perf}.
 * Providers are found through the SPI, so this module depends on the public API only; the
 * launcher puts the provider modules on the module path.
 */
module io.rdma4j.cli {
    requires io.rdma4j;
    requires info.picocli;
    requires java.management; // perf: waits for the JIT to go quiet before measuring
    requires jdk.management; // ... and for the compilers' CPU time (a compilation in flight)
    requires java.logging; // the library's log records as one line each on the command's stderr

    uses io.rdma4j.spi.RdmaProvider;

    // picocli reads the annotated command classes reflectively
    opens io.rdma4j.cli to info.picocli;
    opens io.rdma4j.cli.perf to info.picocli;
}

/**
 * The provider contract: what every rdma4j provider must do, as abstract JUnit Jupiter classes.
 *
 * <p>A provider module runs all of it by subclassing each contract class in its tests and naming
 * itself, as the TCP provider does:
 * <pre>{@code
 * class TcpDataTransferTest extends DataTransferContract {
 *     @Override protected String provider() { return "tcp"; }
 * }
 * }</pre>
 * The classes: {@link io.rdma4j.testkit.DataTransferContract} (every operation, 1 B to 16 MiB,
 * unaligned), {@link io.rdma4j.testkit.OrderingContract}, {@link io.rdma4j.testkit.AtomicsContract}
 * (many connections at once), {@link io.rdma4j.testkit.RemoteAccessContract} (bounds, access,
 * revocation, leases, budgets), {@link io.rdma4j.testkit.MessagingContract} (receiver-not-ready,
 * immediates, error state), {@link io.rdma4j.testkit.OwnershipContract} (lends and views),
 * {@link io.rdma4j.testkit.TeardownContract} (close with operations in flight, leaks),
 * {@link io.rdma4j.testkit.ScaleContract} (64 connections) and
 * {@link io.rdma4j.testkit.ProcessContract} (a second JVM: exchange, SIGKILL, SIGSTOP, and probes
 * that would crash a JVM if memory were freed under a view or an operation).
 *
 * <p>Knobs a provider may turn, all on {@link io.rdma4j.testkit.ContractSupport}: the address to
 * listen on ({@code -Drdma4j.testkit.host=10.77.0.1} or {@code host()}), options applied to every
 * context ({@code configure}), the largest transfer ({@code maxTransferSize}) and how long a test
 * waits for something that should happen promptly ({@code patience}). Everything goes through the
 * public API; the only internals used are the safe core's leak counters, reached by name
 * (the tests run on the class path).
 */
package io.rdma4j.testkit;

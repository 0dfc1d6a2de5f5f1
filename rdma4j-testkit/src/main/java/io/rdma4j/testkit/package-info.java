/**
 * The provider contract: what every rdma4j provider must do, as abstract JUnit Jupiter classes.
 *
 * <p>A provider module runs all of it by subclassing each contract class in its tests and naming
 * itself once, in one {@link io.rdma4j.testkit.ContractProfile} that its test tree lists in
 * {@code META-INF/services/io.rdma4j.testkit.ContractProfile}, as the TCP provider does:
 * <pre>{@code
 * public final class TcpContractProfile implements ContractProfile {
 *     @Override public String provider() { return "tcp"; }
 * }
 * class TcpDataTransferTest extends DataTransferContract {}
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
 * <p>Hardening drivers a provider's own tests call with its options: {@link
 * io.rdma4j.testkit.ApiSequenceRunner} (API-sequence fuzzing against a shadow model, fed by Jazzer
 * or by {@link io.rdma4j.testkit.FuzzInput#of(byte[])}) and {@link io.rdma4j.testkit.MixedLoad}
 * (many connections with mixed checked operations).
 *
 * <p>Knobs a provider may turn, all on its {@link io.rdma4j.testkit.ContractProfile}: the address to
 * listen on ({@code -Drdma4j.testkit.host=10.77.0.1} or {@code defaultHost()}), options applied to
 * every context ({@code configure}), the largest transfer ({@code maxTransferSize}), how long a test
 * waits for something that should happen promptly ({@code patience}) and whether the provider can
 * run here at all ({@code assumeReady}, before a class opens anything). Everything goes through the
 * public API; the only internals used are the safe core's leak counters, reached by name
 * (the tests run on the class path).
 */
package io.rdma4j.testkit;

package io.rdma4j.spi;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * A reliable-connected endpoint: a queue pair with the semantics of verbs RC, on any provider.
 *
 * <ul>
 *   <li>Work requests execute in post order; a WRITE completes only when its data is placed at
 *       the target; a SEND after a WRITE finds the WRITE's data placed.</li>
 *   <li>A failed work request moves the endpoint to the error state: every later and outstanding
 *       request completes with {@code IBV_WC_WR_FLUSH_ERR} (status 5).</li>
 *   <li>Posting to an endpoint in the error state is allowed; those requests flush.</li>
 * </ul>
 * The core serialises posts to one endpoint (one posting thread at a time, never beyond the
 * queue depths of its {@link EndpointSpec}); callbacks may run on provider threads.
 */
public interface ProviderEndpoint extends AutoCloseable {

    /**
     * Posts send-side work requests as one batch (one doorbell where the provider has one).
     *
     * @param requests descriptors, read before this returns
     * @param offset the first to post
     * @param count how many
     * @throws PartialPostException when the device took the first {@code posted()} requests and
     *     refused the rest; any other exception means it took none
     */
    void postSend(WorkRequest[] requests, int offset, int count);

    /**
     * Whether this endpoint honours {@link WorkRequest#unsignaled}, as verbs does with
     * {@code sq_sig_all = 0}: an unsignaled request that succeeds reports nothing, one that fails
     * or flushes reports its completion, and the send queue's completions arrive in post order,
     * so a signaled request's completion says every unsignaled one posted before it has
     * finished. When false (the default) the core posts every request signaled, and a provider
     * may report the completion of every request anyway.
     *
     * @return whether unsignaled requests save their completions
     */
    default boolean selectiveSignaling() {
        return false;
    }

    /**
     * Posts receives.
     *
     * @param requests descriptors with opcode {@link WorkOpcode#RECV}, read before this returns
     * @param offset the first to post
     * @param count how many
     */
    void postReceive(WorkRequest[] requests, int offset, int count);

    /**
     * Registers memory that the peer of this endpoint may access. Each call makes a new
     * registration with its own rkey; closing it revokes the peer's access for real. Where the
     * provider can (tcp), the rkey is valid on this endpoint only.
     *
     * @param segment native memory that outlives the registration
     * @param access {@link AccessFlags} bits, remote ones included
     * @return the registration
     */
    MemoryRegistration registerForPeer(MemorySegment segment, int access);

    /**
     * Sends a control message to the peer's {@link EndpointHandler#onControlMessage}: reliable,
     * in order with other control messages, bounded by {@link DeviceLimits#maxControlMessageSize}.
     * Never blocks for long: a provider queues it.
     *
     * @param message the bytes, copied before this returns
     */
    void sendControl(MemorySegment message);

    /**
     * Moves the endpoint to the error state and tells the peer: outstanding work requests flush.
     * Returns without waiting for the flushes; idempotent.
     */
    void disconnect();

    /** The local address of the connection. */
    InetSocketAddress localAddress();

    /** The peer's address. */
    InetSocketAddress remoteAddress();

    /**
     * Frees the endpoint after {@link #disconnect}; idempotent. Once it returns, the device no
     * longer reads or writes memory for this endpoint's work requests.
     *
     * @throws io.rdma4j.RdmaException when the endpoint could not be freed (verbs: its queue pair
     *     could not be destroyed), so the device may still reach that memory; the provider frees
     *     what else it can first, and the core keeps the memory of unfinished work for good
     */
    @Override
    void close();
}

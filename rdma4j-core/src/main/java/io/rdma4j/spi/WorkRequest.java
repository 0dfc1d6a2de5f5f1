package io.rdma4j.spi;

import java.lang.foreign.MemorySegment;

/**
 * A reusable work request descriptor: the fields of an {@code ibv_send_wr} or {@code ibv_recv_wr}
 * with one scatter/gather element. The core owns a fixed set of these per endpoint and patches a
 * few fields per post, so posting allocates nothing. Not thread-safe; a provider must copy what
 * it needs before {@link ProviderEndpoint#postSend} returns.
 */
public final class WorkRequest {
    private long wrId;
    private WorkOpcode opcode = WorkOpcode.SEND;
    private MemorySegment local = MemorySegment.NULL;
    private int lkey;
    private long remoteAddress;
    private int rkey;
    private long compareOrAdd;
    private long swap;
    private int immediate;
    private boolean signaled = true;

    /** Returned to the {@link CompletionHandler} with the completion. */
    public long wrId() { return wrId; }

    /** What to do. */
    public WorkOpcode opcode() { return opcode; }

    /**
     * The local scatter/gather element: a slice of registered memory (source of WRITE/SEND,
     * target of READ/RECV, 8-byte result of an atomic). Its address is what verbs puts in the SGE.
     */
    public MemorySegment local() { return local; }

    /** The lkey of the registration {@link #local} lies in. */
    public int lkey() { return lkey; }

    /** Remote virtual address of WRITE/READ/atomics. */
    public long remoteAddress() { return remoteAddress; }

    /** Remote key of WRITE/READ/atomics. */
    public int rkey() { return rkey; }

    /** The value to compare (COMPARE_AND_SWAP) or to add (FETCH_AND_ADD). */
    public long compareOrAdd() { return compareOrAdd; }

    /** The value to swap in (COMPARE_AND_SWAP). */
    public long swap() { return swap; }

    /** Immediate data of WRITE_WITH_IMM and SEND_WITH_IMM, in host order. */
    public int immediate() { return immediate; }

    /**
     * Whether the request reports its successful completion. An unsignaled one reports only a
     * failure or a flush (see {@link ProviderEndpoint#selectiveSignaling}); {@link #set} makes
     * a request signaled again.
     */
    public boolean signaled() { return signaled; }

    /**
     * Sets the fields every request has; clears the remote and atomic fields and makes it signaled.
     *
     * @param wrId id handed back with the completion
     * @param opcode what to do
     * @param local the local slice
     * @param lkey its registration's lkey
     * @return this
     */
    public WorkRequest set(long wrId, WorkOpcode opcode, MemorySegment local, int lkey) {
        this.wrId = wrId;
        this.opcode = opcode;
        this.local = local;
        this.lkey = lkey;
        this.remoteAddress = 0;
        this.rkey = 0;
        this.compareOrAdd = 0;
        this.swap = 0;
        this.immediate = 0;
        this.signaled = true;
        return this;
    }

    /**
     * Makes this request unsignaled: on a provider with {@link ProviderEndpoint#selectiveSignaling},
     * its success is known only from a later signaled request's completion.
     *
     * @return this
     */
    public WorkRequest unsignaled() {
        this.signaled = false;
        return this;
    }

    /**
     * Sets the remote target of WRITE/READ/atomics.
     *
     * @param address remote virtual address
     * @param key remote key
     * @return this
     */
    public WorkRequest remote(long address, int key) {
        this.remoteAddress = address;
        this.rkey = key;
        return this;
    }

    /**
     * Sets the operands of an atomic.
     *
     * @param compareOrAdd compare value or addend
     * @param swap swap value (COMPARE_AND_SWAP)
     * @return this
     */
    public WorkRequest atomic(long compareOrAdd, long swap) {
        this.compareOrAdd = compareOrAdd;
        this.swap = swap;
        return this;
    }

    /**
     * Sets the immediate data.
     *
     * @param value the immediate
     * @return this
     */
    public WorkRequest immediate(int value) {
        this.immediate = value;
        return this;
    }

    @Override
    public String toString() {
        return "WorkRequest[" + opcode + " id=" + Long.toHexString(wrId) + " local=0x"
                + Long.toHexString(local.address()) + "+" + local.byteSize() + " lkey=" + lkey
                + " remote=0x" + Long.toHexString(remoteAddress) + " rkey=" + rkey + (signaled ? "" : " unsignaled") + "]";
    }
}

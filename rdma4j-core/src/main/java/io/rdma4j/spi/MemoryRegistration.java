package io.rdma4j.spi;

import java.lang.foreign.MemorySegment;

/**
 * Memory the device may access, with its keys. Closing it deregisters: afterwards the rkey is
 * dead and a peer's access fails with a remote access error (on verbs, the hardware's check).
 */
public interface MemoryRegistration extends AutoCloseable {

    /** The registered memory. */
    MemorySegment segment();

    /** The key local work requests name this memory with. */
    int lkey();

    /** The key a peer names this memory with; meaningless without remote access bits. */
    int rkey();

    /** The {@link AccessFlags} bits this registration was made with. */
    int access();

    /** Deregisters; idempotent. */
    @Override
    void close();
}

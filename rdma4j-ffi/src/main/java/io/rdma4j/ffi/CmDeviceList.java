package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The result of {@code rdma_get_devices}: librdmacm's own device contexts. The contexts are
 * borrowed ({@link IbvContext#close()} does nothing); {@link #close()} is
 * {@code rdma_free_devices}, after everything made on them is gone.
 */
public final class CmDeviceList implements AutoCloseable {
    private final MemorySegment list;
    private final List<IbvContext> contexts;
    private boolean closed;

    CmDeviceList(MemorySegment list, int size) {
        this.list = list.reinterpret(ADDRESS.byteSize() * (size + 1L));
        List<IbvContext> c = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            c.add(IbvContext.borrowed(this.list.getAtIndex(ADDRESS, i)));
        }
        this.contexts = List.copyOf(c);
    }

    /** @return the contexts, one per device */
    public List<IbvContext> contexts() {
        return contexts;
    }

    /** {@code rdma_free_devices}; once only. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            RdmaCm.H.FREE_DEVICES.invokeExact(list);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }
}

package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The result of {@code ibv_get_device_list}: an array of {@code struct ibv_device *}.
 *
 * <pre>{@code
 * struct ibv_device {
 *     struct _ibv_device_ops  _ops;
 *     enum ibv_node_type      node_type;
 *     enum ibv_transport_type transport_type;
 *     char                    name[IBV_SYSFS_NAME_MAX];        // e.g. "rxe0"
 *     char                    dev_name[IBV_SYSFS_NAME_MAX];    // e.g. "uverbs0"
 *     char                    dev_path[IBV_SYSFS_PATH_MAX];
 *     char                    ibdev_path[IBV_SYSFS_PATH_MAX];
 * };
 * }</pre>
 *
 * <p>Open the devices you need, then {@link #close()} the list ({@code ibv_free_device_list});
 * open contexts stay valid, the list's device pointers do not.
 */
public final class DeviceList implements AutoCloseable {
    private static final VarHandle NODE_TYPE = Layouts.handle(Layouts.IBV_DEVICE, "node_type");
    private static final VarHandle TRANSPORT_TYPE = Layouts.handle(Layouts.IBV_DEVICE, "transport_type");

    private final MemorySegment list;
    private final int size;
    private boolean closed;

    DeviceList(MemorySegment list, int size) {
        this.list = list.reinterpret(ADDRESS.byteSize() * (size + 1L));
        this.size = size;
    }

    /** @return the number of devices */
    public int size() {
        return size;
    }

    /**
     * @param i the device's index
     * @return {@code struct ibv_device *}, valid until {@link #close()}
     */
    public MemorySegment device(int i) {
        if (closed) {
            throw new IllegalStateException("device list is closed");
        }
        Objects.checkIndex(i, size);
        return list.getAtIndex(ADDRESS, i);
    }

    /**
     * @param i the device's index
     * @return {@code ibv_get_device_name}, e.g. "rxe0"
     */
    public String name(int i) {
        try {
            return Native.string((MemorySegment) Verbs.H.GET_DEVICE_NAME.invokeExact(device(i)), 64);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * @param i the device's index
     * @return {@code ibv_get_device_guid} in host order (see {@link Verbs#formatGuid})
     */
    public long guid(int i) {
        try {
            return Long.reverseBytes((long) Verbs.H.GET_DEVICE_GUID.invokeExact(device(i))); // __be64
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * @param i the device's index
     * @return {@code node_type}, e.g. {@link Ibv#IBV_NODE_CA}
     */
    public int nodeType(int i) {
        return (int) NODE_TYPE.get(Native.struct(device(i), Layouts.IBV_DEVICE), 0L);
    }

    /**
     * @param i the device's index
     * @return {@code transport_type}, e.g. {@link Ibv#IBV_TRANSPORT_IB} (also for RoCE)
     */
    public int transportType(int i) {
        return (int) TRANSPORT_TYPE.get(Native.struct(device(i), Layouts.IBV_DEVICE), 0L);
    }

    /**
     * @param name a device name
     * @return its index, or -1
     */
    public int indexOf(String name) {
        for (int i = 0; i < size; i++) {
            if (name(i).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code ibv_open_device}.
     *
     * @param i the device's index
     * @return the open device; it outlives this list
     * @throws NativeCallException if opening fails
     */
    public IbvContext open(int i) {
        MemorySegment device = device(i);
        CallScratch s = CallScratch.get();
        MemorySegment context;
        try {
            context = (MemorySegment) Verbs.H.OPEN_DEVICE.invokeExact(s.capture, device);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(context)) {
            throw s.failure("ibv_open_device", name(i));
        }
        return IbvContext.owned(context);
    }

    /** {@code ibv_free_device_list}; once only. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Verbs.H.FREE_DEVICE_LIST.invokeExact(list);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }
}

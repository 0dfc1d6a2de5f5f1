package io.rdma4j.ffi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * An open RDMA device: {@code struct ibv_context}.
 *
 * <pre>{@code
 * struct ibv_context {
 *     struct ibv_device      *device;
 *     struct ibv_context_ops  ops;      // poll_cq, req_notify_cq, post_srq_recv, post_send, post_recv, ...
 *     int                     cmd_fd;
 *     int                     async_fd;
 *     int                     num_comp_vectors;
 *     pthread_mutex_t         mutex;
 *     void                   *abi_compat;
 * };
 * }</pre>
 *
 * <p>The ops table is why this class reads the struct at all: {@code ibv_post_send},
 * {@code ibv_post_recv}, {@code ibv_poll_cq} and {@code ibv_req_notify_cq} are static inline in
 * {@code verbs.h} and jump through {@code context->ops}; {@link IbvQp}, {@link IbvCq} and
 * {@link IbvSrq} read those pointers once when they are created and call them directly.
 *
 * <p>Obtained from {@link Verbs#openDevice}, {@link DeviceList#open} (owned: {@link #close()}
 * calls {@code ibv_close_device}) or {@link CmId#verbs()} (borrowed from librdmacm: close does
 * nothing).
 */
public final class IbvContext extends NativeResource {
    private static final VarHandle DEVICE = Layouts.IBV_CONTEXT.varHandle(groupElement("device"));
    private static final VarHandle CMD_FD = Layouts.IBV_CONTEXT.varHandle(groupElement("cmd_fd"));
    private static final VarHandle ASYNC_FD = Layouts.IBV_CONTEXT.varHandle(groupElement("async_fd"));
    private static final VarHandle NUM_COMP_VECTORS =
            Layouts.IBV_CONTEXT.varHandle(groupElement("num_comp_vectors"));
    private static final VarHandle ABI_COMPAT = Layouts.IBV_CONTEXT.varHandle(groupElement("abi_compat"));
    private static final long CONTEXT_IN_VERBS_CONTEXT = Layouts.VERBS_CONTEXT.byteOffset(groupElement("context"));
    private static final VarHandle VCTX_SZ = Layouts.VERBS_CONTEXT.varHandle(groupElement("sz"));
    private static final VarHandle VCTX_QUERY_PORT = Layouts.VERBS_CONTEXT.varHandle(groupElement("query_port"));

    /** The most GID entries one {@link #queryGidTable} call can return (65535 bytes of 32-byte entries). */
    public static final int MAX_GID_TABLE_ENTRIES = 0xffff / 32;

    private final boolean owned;
    private final MemorySegment queryPortFn;

    private IbvContext(MemorySegment pointer, boolean owned) {
        super(pointer, Layouts.IBV_CONTEXT);
        this.owned = owned;
        this.queryPortFn = extendedQueryPort(struct);
    }

    static IbvContext owned(MemorySegment pointer) {
        return new IbvContext(pointer, true);
    }

    /**
     * Wraps a context someone else owns (librdmacm's {@code id->verbs}).
     *
     * @param pointer a {@code struct ibv_context *}
     * @return a view whose {@link #close()} does nothing
     */
    public static IbvContext borrowed(MemorySegment pointer) {
        return new IbvContext(pointer, false);
    }

    /**
     * What {@code verbs_get_ctx_op(ctx, query_port)} yields: the provider's extended
     * {@code query_port} if the context is a {@code verbs_context} large enough to have one.
     */
    private static MemorySegment extendedQueryPort(MemorySegment context) {
        MemorySegment abi = (MemorySegment) ABI_COMPAT.get(context, 0L);
        if (abi.address() != -1L) { // __VERBS_ABI_IS_EXTENDED is (void *) UINTPTR_MAX
            return null;
        }
        MemorySegment vctx = MemorySegment.ofAddress(context.address() - CONTEXT_IN_VERBS_CONTEXT)
                .reinterpret(Layouts.VERBS_CONTEXT.byteSize());
        long sz = (long) VCTX_SZ.get(vctx, 0L);
        if (sz < Layouts.VERBS_CONTEXT.byteSize()) { // query_port is at offset 0
            return null;
        }
        MemorySegment fn = (MemorySegment) VCTX_QUERY_PORT.get(vctx, 0L);
        return Native.isNull(fn) ? null : fn;
    }

    /** @return {@code ibv_get_device_name(context->device)}, e.g. "rxe0" */
    public String deviceName() {
        try {
            return Native.string((MemorySegment) Verbs.H.GET_DEVICE_NAME.invokeExact(device()), 64);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** @return {@code context->device} */
    public MemorySegment device() {
        return (MemorySegment) DEVICE.get(struct, 0L);
    }

    /** @return {@code context->cmd_fd} */
    public int cmdFd() {
        return (int) CMD_FD.get(struct, 0L);
    }

    /** @return {@code context->async_fd}: readable when {@link #getAsyncEvent} has an event */
    public int asyncFd() {
        return (int) ASYNC_FD.get(struct, 0L);
    }

    /** @return {@code context->num_comp_vectors}: valid completion vectors are 0 to this minus 1 */
    public int numCompVectors() {
        return (int) NUM_COMP_VECTORS.get(struct, 0L);
    }

    /**
     * {@code ibv_query_device}.
     *
     * @param attr where to write the attributes
     * @return {@code attr}
     * @throws NativeCallException if the query fails
     */
    public DeviceAttr queryDevice(DeviceAttr attr) {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.QUERY_DEVICE.invokeExact(s.capture, struct, attr.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_query_device", null);
        return attr;
    }

    /**
     * {@code ibv_query_device} into fresh memory.
     *
     * @return the device attributes
     */
    public DeviceAttr queryDevice() {
        return queryDevice(DeviceAttr.allocate(Arena.ofAuto()));
    }

    /**
     * {@code ibv_query_port}, done as the header's inline {@code ___ibv_query_port} does it: through
     * the provider's {@code verbs_context->query_port} with the size of our {@code ibv_port_attr},
     * else through the exported {@code ibv_query_port} (the compat entry point) on zeroed memory.
     *
     * @param port the port number, from 1
     * @param attr where to write the attributes
     * @return {@code attr}
     * @throws NativeCallException if the query fails
     */
    public PortAttr queryPort(int port, PortAttr attr) {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            if (queryPortFn != null) {
                rc = (int) Verbs.H.QUERY_PORT_EX.invokeExact(queryPortFn, s.capture, struct, (byte) port,
                        attr.segment(), Layouts.IBV_PORT_ATTR.byteSize());
            } else {
                attr.segment().fill((byte) 0);
                rc = (int) Verbs.H.QUERY_PORT.invokeExact(s.capture, struct, (byte) port, attr.segment());
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_query_port", "port " + port);
        return attr;
    }

    /**
     * {@code ibv_query_port} into fresh memory.
     *
     * @param port the port number, from 1
     * @return the port attributes
     */
    public PortAttr queryPort(int port) {
        return queryPort(port, PortAttr.allocate(Arena.ofAuto()));
    }

    /**
     * {@code ibv_query_gid}.
     *
     * @param port the port number, from 1
     * @param index the GID table index (for RoCE v2 over IPv4 typically 1)
     * @return the GID (all zero for an unused entry on some providers)
     * @throws NativeCallException if the query fails
     */
    public Gid queryGid(int port, int index) {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment gid = s.out.asSlice(CallScratch.ADDR1, Layouts.IBV_GID);
        int rc;
        try {
            rc = (int) Verbs.H.QUERY_GID.invokeExact(s.capture, struct, (byte) port, index, gid);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_query_gid", "port " + port + " index " + index);
        return Gid.read(gid, 0);
    }

    /**
     * The valid GID entries of every port, with their type (IB, RoCE v1, RoCE v2) and network
     * interface: the exported {@code _ibv_query_gid_table}, which the header's inline
     * {@code ibv_query_gid_table} calls with {@code sizeof(struct ibv_gid_entry)}.
     *
     * @param maxEntries room to reserve; the sum of the ports' {@code gid_tbl_len} suffices. At most
     *     {@link #MAX_GID_TABLE_ENTRIES} are asked for: the kernel takes the output buffer's length
     *     as a 16-bit ioctl attribute and answers EINVAL beyond it (rxe has 1024 per port)
     * @return the entries, in the library's order
     * @throws NativeCallException if the query fails (EINVAL also when there are more valid
     *     entries than {@code maxEntries})
     */
    public List<GidEntry> queryGidTable(int maxEntries) {
        checkOpen();
        maxEntries = Math.max(1, Math.min(maxEntries, MAX_GID_TABLE_ENTRIES));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = arena.allocate(Layouts.IBV_GID_ENTRY, Math.max(1, maxEntries));
            CallScratch s = CallScratch.get();
            long n;
            try {
                n = (long) Verbs.H.QUERY_GID_TABLE.invokeExact(s.capture, struct, entries, (long) maxEntries, 0,
                        Layouts.IBV_GID_ENTRY.byteSize());
            } catch (Throwable t) {
                throw NativeLibrary.rethrow(t);
            }
            if (n < 0) {
                throw new NativeCallException("_ibv_query_gid_table", (int) -n, null);
            }
            List<GidEntry> result = new ArrayList<>((int) n);
            for (int i = 0; i < n; i++) {
                result.add(GidEntry.read(entries, i * Layouts.IBV_GID_ENTRY.byteSize()));
            }
            return result;
        }
    }

    /**
     * {@code ibv_alloc_pd}.
     *
     * @return a new protection domain
     * @throws NativeCallException if allocation fails
     */
    public IbvPd allocPd() {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment pd;
        try {
            pd = (MemorySegment) Verbs.H.ALLOC_PD.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(pd)) {
            throw s.failure("ibv_alloc_pd", null);
        }
        return new IbvPd(pd, this);
    }

    /**
     * {@code ibv_create_comp_channel}.
     *
     * @return a new completion channel
     * @throws NativeCallException if creation fails
     */
    public IbvCompChannel createCompChannel() {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment channel;
        try {
            channel = (MemorySegment) Verbs.H.CREATE_COMP_CHANNEL.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(channel)) {
            throw s.failure("ibv_create_comp_channel", null);
        }
        return new IbvCompChannel(channel);
    }

    /**
     * {@code ibv_create_cq}.
     *
     * @param cqe the minimum number of entries
     * @param userContext the {@code cq_context} value, handed back by {@link IbvCq#userContext()}
     * @param channel the completion channel for events, or {@code null} for a polled-only CQ
     * @param compVector the completion vector, below {@link #numCompVectors()}
     * @return the new CQ
     * @throws NativeCallException if creation fails
     */
    public IbvCq createCq(int cqe, long userContext, IbvCompChannel channel, int compVector) {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment cq;
        // a local, not a conditional in the call: a poly conditional would be typed Object there
        MemorySegment channelPtr = channel == null ? MemorySegment.NULL : channel.struct;
        MemorySegment context = MemorySegment.ofAddress(userContext);
        try {
            cq = (MemorySegment) Verbs.H.CREATE_CQ.invokeExact(s.capture, struct, cqe, context, channelPtr, compVector);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(cq)) {
            throw s.failure("ibv_create_cq", "cqe " + cqe);
        }
        return new IbvCq(cq, channel);
    }

    /**
     * {@code ibv_get_async_event}: blocks until an asynchronous event (QP fatal, port down, ...)
     * arrives, unless {@link Libc#setNonBlocking} was applied to {@link #asyncFd()}. Every event
     * must be passed to {@link #ackAsyncEvent} (destroying the object it names waits for that).
     *
     * @param event where to write the event
     * @return true if an event was read, false if the descriptor is non-blocking and there is none
     * @throws NativeCallException if reading fails
     */
    public boolean getAsyncEvent(AsyncEvent event) {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.GET_ASYNC_EVENT.invokeExact(s.capture, struct, event.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (rc != 0) {
            if (s.errno() == Errno.EAGAIN) {
                return false;
            }
            throw s.failure("ibv_get_async_event", null);
        }
        return true;
    }

    /**
     * {@code ibv_ack_async_event}.
     *
     * @param event an event {@link #getAsyncEvent} returned
     */
    public void ackAsyncEvent(AsyncEvent event) {
        try {
            Verbs.H.ACK_ASYNC_EVENT.invokeExact(event.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** @return whether {@link #close()} calls {@code ibv_close_device} (false for librdmacm's contexts) */
    public boolean isOwned() {
        return owned;
    }

    @Override
    void release() {
        if (!owned) {
            return;
        }
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.CLOSE_DEVICE.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_close_device", null);
    }

    /** Reads {@code context->ops.<name>}: the provider's function behind an inline verb. */
    static MemorySegment op(MemorySegment contextPointer, String name) {
        MemorySegment context = Native.struct(contextPointer, Layouts.IBV_CONTEXT);
        return context.get(ValueLayout.ADDRESS,
                Layouts.IBV_CONTEXT.byteOffset(groupElement("ops"), groupElement(name)));
    }
}

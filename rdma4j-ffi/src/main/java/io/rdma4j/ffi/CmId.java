package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * {@code struct rdma_cm_id}: librdmacm's connection identifier, the socket of RDMA. Its events
 * arrive on the channel it was created on ({@link #migrate} moves it). A QP made with
 * {@link #createQp} is moved through INIT/RTR/RTS by {@link #connect}/{@link #accept} themselves.
 *
 * <p>{@link #close()} is {@code rdma_destroy_id}; destroy the QP first.
 */
public final class CmId extends NativeResource {
    private static final long VERBS = Layouts.offset(Layouts.RDMA_CM_ID, "verbs");
    private static final long QP = Layouts.offset(Layouts.RDMA_CM_ID, "qp");
    private static final long PORT_NUM = Layouts.offset(Layouts.RDMA_CM_ID, "port_num");
    private static final long SRC = Layouts.offset(Layouts.RDMA_CM_ID, "route", "addr", Layouts.ANONYMOUS + "src");
    private static final long DST = Layouts.offset(Layouts.RDMA_CM_ID, "route", "addr", Layouts.ANONYMOUS + "dst");
    private static final long CP_PRIVATE_DATA = Layouts.offset(Layouts.RDMA_CONN_PARAM, "private_data");
    private static final long CP_PRIVATE_DATA_LEN = Layouts.offset(Layouts.RDMA_CONN_PARAM, "private_data_len");
    private static final long CP_RESPONDER_RESOURCES = Layouts.offset(Layouts.RDMA_CONN_PARAM, "responder_resources");
    private static final long CP_INITIATOR_DEPTH = Layouts.offset(Layouts.RDMA_CONN_PARAM, "initiator_depth");
    private static final long CP_RETRY_COUNT = Layouts.offset(Layouts.RDMA_CONN_PARAM, "retry_count");
    private static final long CP_RNR_RETRY_COUNT = Layouts.offset(Layouts.RDMA_CONN_PARAM, "rnr_retry_count");

    private IbvQp qp;

    private CmId(MemorySegment pointer) {
        super(pointer, Layouts.RDMA_CM_ID);
    }

    /**
     * {@code rdma_create_id}.
     *
     * @param channel where its events go
     * @param portSpace e.g. {@link RdmaCm#RDMA_PS_TCP} (RC)
     * @return the new id
     * @throws NativeCallException if creation fails
     */
    public static CmId create(CmEventChannel channel, int portSpace) {
        channel.checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment out = s.out.asSlice(CallScratch.PTR1, 8);
        int rc;
        try {
            rc = (int) RdmaCm.H.CREATE_ID.invokeExact(s.capture, channel.struct, out, MemorySegment.NULL, portSpace);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_create_id", null);
        return new CmId(out.get(ADDRESS, 0));
    }

    /**
     * Takes ownership of the new id a CONNECT_REQUEST event carries: accept or reject it, then close it.
     *
     * @param event a {@link RdmaCm#RDMA_CM_EVENT_CONNECT_REQUEST}
     * @return the id
     */
    public static CmId ofConnectRequest(CmEvent event) {
        if (event.event() != RdmaCm.RDMA_CM_EVENT_CONNECT_REQUEST || event.id() == 0) {
            throw new IllegalArgumentException("not a connect request: " + event);
        }
        return new CmId(MemorySegment.ofAddress(event.id()));
    }

    /**
     * {@code rdma_bind_addr}.
     *
     * @param address local address; port 0 picks one
     * @throws NativeCallException if binding fails
     */
    public void bindAddr(InetSocketAddress address) {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment sa = SockAddr.write(s.out.asSlice(CallScratch.ADDR1, 128), address);
        int rc;
        try {
            rc = (int) RdmaCm.H.BIND_ADDR.invokeExact(s.capture, struct, sa);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_bind_addr", address.toString());
    }

    /**
     * {@code rdma_listen}.
     *
     * @param backlog pending connection requests
     * @throws NativeCallException if listening fails
     */
    public void listen(int backlog) {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) RdmaCm.H.LISTEN.invokeExact(s.capture, struct, backlog);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_listen", null);
    }

    /**
     * {@code rdma_resolve_addr}: completes with ADDR_RESOLVED or ADDR_ERROR on the channel.
     *
     * @param source local address, or null for any
     * @param destination the peer
     * @param timeoutMillis how long librdmacm may take
     * @throws NativeCallException if the call fails at once
     */
    public void resolveAddr(InetSocketAddress source, InetSocketAddress destination, int timeoutMillis) {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment src = source == null ? MemorySegment.NULL
                : SockAddr.write(s.out.asSlice(CallScratch.ADDR1, 128), source);
        MemorySegment dst = SockAddr.write(s.out.asSlice(CallScratch.ADDR2, 128), destination);
        int rc;
        try {
            rc = (int) RdmaCm.H.RESOLVE_ADDR.invokeExact(s.capture, struct, src, dst, timeoutMillis);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_resolve_addr", String.valueOf(destination));
    }

    /**
     * {@code rdma_resolve_route}: completes with ROUTE_RESOLVED or ROUTE_ERROR.
     *
     * @param timeoutMillis how long librdmacm may take
     * @throws NativeCallException if the call fails at once
     */
    public void resolveRoute(int timeoutMillis) {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) RdmaCm.H.RESOLVE_ROUTE.invokeExact(s.capture, struct, timeoutMillis);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_resolve_route", null);
    }

    /**
     * {@code rdma_create_qp}: a QP on {@link #verbsAddress()}'s device, owned by this id.
     *
     * @param pd a PD of the same device context as {@code id->verbs}
     * @param attr CQs, type and capacities; updated with what was granted
     * @return the QP; closing it destroys it as {@code rdma_destroy_qp} would, but reports a failure
     * @throws NativeCallException if creation fails
     */
    public IbvQp createQp(IbvPd pd, QpInitAttr attr) {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) RdmaCm.H.CREATE_QP.invokeExact(s.capture, struct, pd.struct, attr.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_create_qp", attr.toString());
        qp = IbvQp.ofCmId(struct.get(ADDRESS, QP), this);
        return qp;
    }

    /**
     * Called by {@link IbvQp#close()} once {@code ibv_destroy_qp} succeeded: {@code id->qp = NULL},
     * the rest of {@code rdma_destroy_qp} (which frees only CQs the id made itself, never ours).
     * {@code rdma_destroy_qp} is not used because it returns void: a destroy refused with EBUSY (a
     * concurrent command on the QP) would be lost and the QP left on its completion queues.
     */
    void forgetQp() {
        struct.set(ADDRESS, QP, MemorySegment.NULL);
        qp = null;
    }

    /** @return the QP made by {@link #createQp}, or null */
    public IbvQp qp() {
        return qp;
    }

    /** @return {@code id->verbs} as an address (0 before the id is bound to a device) */
    public long verbsAddress() {
        return struct.get(ADDRESS, VERBS).address();
    }

    /** @return {@code id->port_num} */
    public int portNum() {
        return Byte.toUnsignedInt(struct.get(JAVA_BYTE, PORT_NUM));
    }

    /** @return {@code rdma_get_local_addr}: the bound source address */
    public InetSocketAddress localAddress() {
        return SockAddr.read(struct.asSlice(SRC, 128));
    }

    /** @return {@code rdma_get_peer_addr}: the destination address */
    public InetSocketAddress peerAddress() {
        return SockAddr.read(struct.asSlice(DST, 128));
    }

    /**
     * {@code rdma_connect} (after ROUTE_RESOLVED); completes with ESTABLISHED, REJECTED,
     * UNREACHABLE or CONNECT_ERROR.
     *
     * @param privateData at most 56 bytes for the listener
     * @param responderResources RDMA READs/atomics the peer may have outstanding here
     * @param initiatorDepth RDMA READs/atomics this side may have outstanding
     * @param retryCount transport retries (0-7)
     * @param rnrRetryCount receiver-not-ready retries (0-7, 7 = for ever)
     * @throws NativeCallException if the call fails at once
     */
    public void connect(byte[] privateData, int responderResources, int initiatorDepth, int retryCount,
                        int rnrRetryCount) {
        connParamCall(true, privateData, responderResources, initiatorDepth, retryCount, rnrRetryCount);
    }

    /**
     * {@code rdma_accept} of a connection request; ESTABLISHED follows.
     *
     * @param privateData at most 196 bytes for the connecting side
     * @param responderResources RDMA READs/atomics the peer may have outstanding here
     * @param initiatorDepth RDMA READs/atomics this side may have outstanding
     * @param retryCount transport retries (0-7)
     * @param rnrRetryCount receiver-not-ready retries (0-7)
     * @throws NativeCallException if the call fails
     */
    public void accept(byte[] privateData, int responderResources, int initiatorDepth, int retryCount,
                       int rnrRetryCount) {
        connParamCall(false, privateData, responderResources, initiatorDepth, retryCount, rnrRetryCount);
    }

    private void connParamCall(boolean connect, byte[] privateData, int responderResources, int initiatorDepth,
                               int retryCount, int rnrRetryCount) {
        checkOpen();
        if (privateData.length > 255) {
            throw new IllegalArgumentException("private data of " + privateData.length + " bytes (at most 255)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocate(Layouts.RDMA_CONN_PARAM);
            MemorySegment data = arena.allocate(Math.max(1, privateData.length));
            MemorySegment.copy(privateData, 0, data, JAVA_BYTE, 0, privateData.length);
            param.set(ADDRESS, CP_PRIVATE_DATA, privateData.length == 0 ? MemorySegment.NULL : data);
            param.set(JAVA_BYTE, CP_PRIVATE_DATA_LEN, (byte) privateData.length);
            param.set(JAVA_BYTE, CP_RESPONDER_RESOURCES, (byte) responderResources);
            param.set(JAVA_BYTE, CP_INITIATOR_DEPTH, (byte) initiatorDepth);
            param.set(JAVA_BYTE, CP_RETRY_COUNT, (byte) retryCount);
            param.set(JAVA_BYTE, CP_RNR_RETRY_COUNT, (byte) rnrRetryCount);
            CallScratch s = CallScratch.get();
            int rc;
            try {
                rc = connect ? (int) RdmaCm.H.CONNECT.invokeExact(s.capture, struct, param)
                        : (int) RdmaCm.H.ACCEPT.invokeExact(s.capture, struct, param);
            } catch (Throwable t) {
                throw NativeLibrary.rethrow(t);
            }
            check(rc, s, connect ? "rdma_connect" : "rdma_accept", null);
        }
    }

    /**
     * {@code rdma_reject} of a connection request.
     *
     * @param privateData at most 148 bytes for the connecting side
     * @throws NativeCallException if the call fails
     */
    public void reject(byte[] privateData) {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(Math.max(1, privateData.length));
            MemorySegment.copy(privateData, 0, data, JAVA_BYTE, 0, privateData.length);
            CallScratch s = CallScratch.get();
            int rc;
            MemorySegment dataPtr = privateData.length == 0 ? MemorySegment.NULL : data;
            try {
                rc = (int) RdmaCm.H.REJECT.invokeExact(s.capture, struct, dataPtr, (byte) privateData.length);
            } catch (Throwable t) {
                throw NativeLibrary.rethrow(t);
            }
            check(rc, s, "rdma_reject", null);
        }
    }

    /**
     * {@code rdma_disconnect}: moves the QP to the error state (outstanding work flushes) and
     * tells the peer, which gets DISCONNECTED.
     *
     * @throws NativeCallException if the call fails (EINVAL when not connected)
     */
    public void disconnect() {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) RdmaCm.H.DISCONNECT.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_disconnect", null);
    }

    /**
     * {@code rdma_migrate_id}: from now on this id's events go to {@code channel}.
     *
     * @param channel the new channel
     * @throws NativeCallException if the call fails
     */
    public void migrate(CmEventChannel channel) {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) RdmaCm.H.MIGRATE_ID.invokeExact(s.capture, struct, channel.struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_migrate_id", null);
    }

    /**
     * {@code rdma_set_option(id, RDMA_OPTION_ID, RDMA_OPTION_ID_ACK_TIMEOUT, &timeout, 1)}.
     *
     * @param timeout the ack timeout code (4.096 us * 2^timeout)
     * @throws NativeCallException if the call fails
     */
    public void setAckTimeout(int timeout) {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment v = s.out.asSlice(CallScratch.INT1, 1);
        v.set(JAVA_BYTE, 0, (byte) timeout);
        int rc;
        try {
            rc = (int) RdmaCm.H.SET_OPTION.invokeExact(s.capture, struct, RdmaCm.RDMA_OPTION_ID,
                    RdmaCm.RDMA_OPTION_ID_ACK_TIMEOUT, v, 1L);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_set_option", "ACK_TIMEOUT " + timeout);
    }

    @Override
    void release() {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) RdmaCm.H.DESTROY_ID.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_destroy_id", null);
    }
}

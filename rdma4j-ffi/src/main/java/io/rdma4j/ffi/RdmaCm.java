package io.rdma4j.ffi;

/**
 * librdmacm, the RDMA connection manager. Work in progress: constants only.
 */
public final class RdmaCm {
    private RdmaCm() {}

    // enum rdma_cm_event_type
    /** {@code rdma_resolve_addr} finished. */
    public static final int RDMA_CM_EVENT_ADDR_RESOLVED = 0;
    /** {@code rdma_resolve_addr} failed. */
    public static final int RDMA_CM_EVENT_ADDR_ERROR = 1;
    /** {@code rdma_resolve_route} finished. */
    public static final int RDMA_CM_EVENT_ROUTE_RESOLVED = 2;
    /** {@code rdma_resolve_route} failed. */
    public static final int RDMA_CM_EVENT_ROUTE_ERROR = 3;
    /** A connection request arrived on a listening id; the event's id is new. */
    public static final int RDMA_CM_EVENT_CONNECT_REQUEST = 4;
    /** Reply to a connect on an id without a QP. */
    public static final int RDMA_CM_EVENT_CONNECT_RESPONSE = 5;
    /** Connection failed. */
    public static final int RDMA_CM_EVENT_CONNECT_ERROR = 6;
    /** The peer is unreachable. */
    public static final int RDMA_CM_EVENT_UNREACHABLE = 7;
    /** The peer rejected the connection (or nobody listens: status is then the CM's reason). */
    public static final int RDMA_CM_EVENT_REJECTED = 8;
    /** The connection is up. */
    public static final int RDMA_CM_EVENT_ESTABLISHED = 9;
    /** The connection was torn down (by either side). */
    public static final int RDMA_CM_EVENT_DISCONNECTED = 10;
    /** The device was removed. */
    public static final int RDMA_CM_EVENT_DEVICE_REMOVAL = 11;
    /** Multicast join finished. */
    public static final int RDMA_CM_EVENT_MULTICAST_JOIN = 12;
    /** Multicast error. */
    public static final int RDMA_CM_EVENT_MULTICAST_ERROR = 13;
    /** The address changed. */
    public static final int RDMA_CM_EVENT_ADDR_CHANGE = 14;
    /** The QP left time-wait and may be reused. */
    public static final int RDMA_CM_EVENT_TIMEWAIT_EXIT = 15;

    // enum rdma_port_space
    /** IPoIB port space. */
    public static final int RDMA_PS_IPOIB = 0x0002;
    /** Reliable, connected (RC QPs): what rdma4j uses. */
    public static final int RDMA_PS_TCP = 0x0106;
    /** Unreliable datagram. */
    public static final int RDMA_PS_UDP = 0x0111;
    /** InfiniBand port space. */
    public static final int RDMA_PS_IB = 0x013F;

    // rdma_set_option levels and names
    /** Option level: the id. */
    public static final int RDMA_OPTION_ID = 0;
    /** Option level: InfiniBand. */
    public static final int RDMA_OPTION_IB = 1;
    /** {@code uint8_t} type of service. */
    public static final int RDMA_OPTION_ID_TOS = 0;
    /** {@code int}: reuse the address, like SO_REUSEADDR. */
    public static final int RDMA_OPTION_ID_REUSEADDR = 1;
    /** {@code int}: IPv6 only, like IPV6_V6ONLY. */
    public static final int RDMA_OPTION_ID_AFONLY = 2;
    /** {@code uint8_t}: QP ack timeout. */
    public static final int RDMA_OPTION_ID_ACK_TIMEOUT = 3;
}

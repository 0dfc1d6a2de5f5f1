package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * librdmacm, the RDMA connection manager, bound at run time like {@link Verbs}: the constants,
 * the availability probe, {@link #createEventChannel()} and {@link #getDevices()}; ids are
 * {@link CmId}, events {@link CmEvent}. Every rdma_cm call returns -1 and sets errno on failure,
 * which {@link NativeCallException} carries.
 */
public final class RdmaCm {
    private RdmaCm() {}

    static final NativeLibrary LIB = NativeLibrary.load("librdmacm.so.1", "librdmacm1");

    /** The exported symbols this binding calls; {@code SymbolsTest} checks the installed library has them all. */
    static final java.util.List<String> SYMBOLS = java.util.List.of("rdma_create_event_channel",
            "rdma_destroy_event_channel", "rdma_create_id", "rdma_destroy_id", "rdma_bind_addr", "rdma_listen",
            "rdma_resolve_addr", "rdma_resolve_route", "rdma_create_qp", "rdma_connect",
            "rdma_accept", "rdma_reject", "rdma_disconnect", "rdma_get_cm_event", "rdma_ack_cm_event",
            "rdma_migrate_id", "rdma_set_option", "rdma_get_devices", "rdma_free_devices", "rdma_event_str");

    /** Downcall handles, made on the first rdma_cm call. */
    static final class H {
        private H() {}

        private static MethodHandle errno(String name, FunctionDescriptor fd) {
            return LIB.downcall(name, fd, true);
        }

        static final MethodHandle CREATE_EVENT_CHANNEL =
                errno("rdma_create_event_channel", FunctionDescriptor.of(ADDRESS));
        static final MethodHandle DESTROY_EVENT_CHANNEL =
                LIB.downcall("rdma_destroy_event_channel", FunctionDescriptor.ofVoid(ADDRESS), false);
        static final MethodHandle CREATE_ID =
                errno("rdma_create_id", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
        static final MethodHandle DESTROY_ID = errno("rdma_destroy_id", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle BIND_ADDR =
                errno("rdma_bind_addr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle LISTEN = errno("rdma_listen", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle RESOLVE_ADDR = errno("rdma_resolve_addr",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
        static final MethodHandle RESOLVE_ROUTE =
                errno("rdma_resolve_route", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle CREATE_QP =
                errno("rdma_create_qp", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle CONNECT = errno("rdma_connect", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle ACCEPT = errno("rdma_accept", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle REJECT =
                errno("rdma_reject", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_BYTE));
        static final MethodHandle DISCONNECT = errno("rdma_disconnect", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle GET_CM_EVENT =
                errno("rdma_get_cm_event", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle ACK_CM_EVENT = errno("rdma_ack_cm_event", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle MIGRATE_ID =
                errno("rdma_migrate_id", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle SET_OPTION = errno("rdma_set_option",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle GET_DEVICES = errno("rdma_get_devices", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle FREE_DEVICES =
                LIB.downcall("rdma_free_devices", FunctionDescriptor.ofVoid(ADDRESS), false);
        static final MethodHandle EVENT_STR =
                LIB.downcall("rdma_event_str", FunctionDescriptor.of(ADDRESS, JAVA_INT), false);
    }

    /** @return whether {@code librdmacm.so.1} loaded (and native access is enabled) */
    public static boolean isAvailable() {
        return LIB.isAvailable();
    }

    /** @return why {@link #isAvailable()} is false, or empty */
    public static Optional<NativeLibraryUnavailableException> unavailabilityCause() {
        return LIB.unavailabilityCause();
    }

    /**
     * {@code rdma_create_event_channel}.
     *
     * @return a new event channel
     * @throws NativeCallException if creation fails (e.g. ENODEV: no RDMA kernel support)
     */
    public static CmEventChannel createEventChannel() {
        CallScratch s = CallScratch.get();
        MemorySegment ch;
        try {
            ch = (MemorySegment) H.CREATE_EVENT_CHANNEL.invokeExact(s.capture);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(ch)) {
            throw s.failure("rdma_create_event_channel", null);
        }
        return new CmEventChannel(ch);
    }

    /**
     * {@code rdma_get_devices}: the device contexts librdmacm opened, which the ids it binds use
     * as {@code id->verbs}; PDs and CQs made on these are usable with those ids' QPs.
     *
     * @return the contexts; close the list when done with them (and everything made on them)
     * @throws NativeCallException if librdmacm fails
     */
    public static CmDeviceList getDevices() {
        CallScratch s = CallScratch.get();
        MemorySegment count = s.out.asSlice(CallScratch.INT1, 4);
        count.set(JAVA_INT, 0, 0);
        MemorySegment list;
        try {
            list = (MemorySegment) H.GET_DEVICES.invokeExact(s.capture, count);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(list)) {
            throw s.failure("rdma_get_devices", null);
        }
        return new CmDeviceList(list, count.get(JAVA_INT, 0));
    }

    /**
     * {@code rdma_event_str}.
     *
     * @param event an {@code RDMA_CM_EVENT_*} value
     * @return e.g. "RDMA_CM_EVENT_ESTABLISHED"
     */
    public static String eventStr(int event) {
        try {
            return Native.string((MemorySegment) H.EVENT_STR.invokeExact(event), 64);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

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

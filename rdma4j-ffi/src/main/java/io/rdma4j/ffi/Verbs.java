package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * libibverbs, bound at run time: the availability probe, the device list, and the handles
 * behind {@link IbvContext}, {@link IbvPd}, {@link IbvMr}, {@link IbvCq}, {@link IbvQp} and friends.
 *
 * <p>Loading {@code libibverbs.so.1} happens when this class initialises and never throws; ask
 * {@link #isAvailable()} (cheap) before using verbs, or let the first call throw
 * {@link NativeLibraryUnavailableException}. A library that loads says nothing about devices:
 * on a host without RDMA kernel support {@link #getDeviceList()} fails with ENOSYS, which
 * the verbs provider's probe turns into an empty scan with the reason.
 *
 * <p>Where the header differs from what the library exports, this binding does what the header's
 * inline code does: {@code ibv_query_port} goes through {@code verbs_context->query_port} when the
 * provider has it (see {@link IbvContext#queryPort}), {@code ibv_reg_mr} calls the exported
 * {@code ibv_reg_mr_iova2} (see {@link IbvPd#regMr}), and {@code ibv_post_send},
 * {@code ibv_post_recv}, {@code ibv_poll_cq} and {@code ibv_req_notify_cq}, which are not
 * exported at all, call the provider's function pointers from {@code context->ops}.
 */
public final class Verbs {
    private Verbs() {}

    static final NativeLibrary LIB = NativeLibrary.load("libibverbs.so.1", "libibverbs1 ibverbs-providers");

    /** The exported symbols this binding calls; {@code VerbsTest} checks the installed library has them all. */
    static final List<String> SYMBOLS = List.of("ibv_get_device_list", "ibv_free_device_list",
            "ibv_get_device_name", "ibv_get_device_guid", "ibv_open_device", "ibv_close_device", "ibv_query_device",
            "ibv_query_port", "ibv_query_gid", "_ibv_query_gid_table", "ibv_alloc_pd", "ibv_dealloc_pd",
            "ibv_reg_mr", "ibv_reg_mr_iova2", "ibv_dereg_mr", "ibv_create_comp_channel", "ibv_destroy_comp_channel",
            "ibv_create_cq", "ibv_destroy_cq", "ibv_get_cq_event", "ibv_ack_cq_events", "ibv_create_qp",
            "ibv_modify_qp", "ibv_query_qp", "ibv_destroy_qp", "ibv_create_srq", "ibv_destroy_srq",
            "ibv_get_async_event", "ibv_ack_async_event", "ibv_wc_status_str", "ibv_event_type_str");

    /** Downcall handles, made on the first verbs call (all together: one library, one moment). */
    static final class H {
        private H() {}

        private static MethodHandle errno(String name, FunctionDescriptor fd) {
            return LIB.downcall(name, fd, true);
        }

        private static MethodHandle plain(String name, FunctionDescriptor fd) {
            return LIB.downcall(name, fd, false);
        }

        static final MethodHandle GET_DEVICE_LIST = errno("ibv_get_device_list", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle FREE_DEVICE_LIST = plain("ibv_free_device_list", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle GET_DEVICE_NAME = plain("ibv_get_device_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle GET_DEVICE_GUID = plain("ibv_get_device_guid", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        static final MethodHandle OPEN_DEVICE = errno("ibv_open_device", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle CLOSE_DEVICE = errno("ibv_close_device", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle QUERY_DEVICE =
                errno("ibv_query_device", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        /** The exported {@code ibv_query_port}: the header's fallback when the provider lacks {@code query_port}. */
        static final MethodHandle QUERY_PORT =
                errno("ibv_query_port", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BYTE, ADDRESS));
        /** {@code verbs_context->query_port(ctx, port, attr, sizeof attr)}, called through its address. */
        static final MethodHandle QUERY_PORT_EX = LIB.functionPointer(
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BYTE, ADDRESS, JAVA_LONG), true);
        static final MethodHandle QUERY_GID =
                errno("ibv_query_gid", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BYTE, JAVA_INT, ADDRESS));
        static final MethodHandle QUERY_GID_TABLE = errno("_ibv_query_gid_table",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG));
        static final MethodHandle ALLOC_PD = errno("ibv_alloc_pd", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle DEALLOC_PD = errno("ibv_dealloc_pd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle REG_MR =
                errno("ibv_reg_mr", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        static final MethodHandle REG_MR_IOVA2 = errno("ibv_reg_mr_iova2",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT));
        static final boolean HAS_REG_MR_IOVA2 = LIB.has("ibv_reg_mr_iova2");
        static final MethodHandle DEREG_MR = errno("ibv_dereg_mr", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle CREATE_COMP_CHANNEL =
                errno("ibv_create_comp_channel", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle DESTROY_COMP_CHANNEL =
                errno("ibv_destroy_comp_channel", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle CREATE_CQ = errno("ibv_create_cq",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        static final MethodHandle DESTROY_CQ = errno("ibv_destroy_cq", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle GET_CQ_EVENT =
                errno("ibv_get_cq_event", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle ACK_CQ_EVENTS =
                plain("ibv_ack_cq_events", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
        static final MethodHandle CREATE_QP = errno("ibv_create_qp", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle MODIFY_QP =
                errno("ibv_modify_qp", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        static final MethodHandle QUERY_QP =
                errno("ibv_query_qp", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        static final MethodHandle DESTROY_QP = errno("ibv_destroy_qp", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle CREATE_SRQ =
                errno("ibv_create_srq", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle DESTROY_SRQ = errno("ibv_destroy_srq", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle GET_ASYNC_EVENT =
                errno("ibv_get_async_event", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle ACK_ASYNC_EVENT = plain("ibv_ack_async_event", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle WC_STATUS_STR = plain("ibv_wc_status_str", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        static final MethodHandle EVENT_TYPE_STR =
                plain("ibv_event_type_str", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /**
     * Whether {@code libibverbs.so.1} loaded (and native access is enabled). Cheap: the probe ran
     * once, when this class initialised. Says nothing about devices; see the verbs provider's probe.
     *
     * @return true if verbs can be called
     */
    public static boolean isAvailable() {
        return LIB.isAvailable();
    }

    /**
     * @return why {@link #isAvailable()} is false, or empty when it is true
     */
    public static Optional<NativeLibraryUnavailableException> unavailabilityCause() {
        return LIB.unavailabilityCause();
    }

    /**
     * @throws NativeLibraryUnavailableException if libibverbs cannot be used
     */
    public static void ensureAvailable() {
        LIB.ensureAvailable();
    }

    /**
     * {@code ibv_get_device_list}. Close the list once the devices you want are open.
     *
     * @return the RDMA devices, possibly none
     * @throws NativeCallException if libibverbs fails, e.g. ENOSYS on a kernel without uverbs
     * @throws NativeLibraryUnavailableException if libibverbs is missing
     */
    public static DeviceList getDeviceList() {
        CallScratch s = CallScratch.get();
        MemorySegment count = s.out.asSlice(CallScratch.INT1, 4);
        count.set(JAVA_INT, 0, 0);
        MemorySegment list;
        try {
            list = (MemorySegment) H.GET_DEVICE_LIST.invokeExact(s.capture, count);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(list)) {
            throw s.failure("ibv_get_device_list", null);
        }
        return new DeviceList(list, count.get(JAVA_INT, 0));
    }

    /**
     * Opens the device called {@code name} (e.g. {@code rxe0}), freeing the device list after.
     *
     * @param name a device name as {@code ibv_devices} shows it
     * @return the open device; close it when done
     * @throws IllegalArgumentException if there is no such device (the message lists those there are)
     * @throws NativeCallException if listing or opening fails
     */
    public static IbvContext openDevice(String name) {
        try (DeviceList list = getDeviceList()) {
            int i = list.indexOf(name);
            if (i < 0) {
                List<String> names = new ArrayList<>();
                for (int j = 0; j < list.size(); j++) {
                    names.add(list.name(j));
                }
                throw new IllegalArgumentException("no RDMA device named " + name + "; devices: " + names);
            }
            return list.open(i);
        }
    }

    /**
     * {@code ibv_wc_status_str}: libibverbs' text for a completion status ({@link Ibv#wcStatusName}
     * gives the enum name without a downcall).
     *
     * @param status an {@code ibv_wc_status}
     * @return e.g. "remote access error"
     */
    public static String wcStatusStr(int status) {
        try {
            return Native.string((MemorySegment) H.WC_STATUS_STR.invokeExact(status), 128);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@code ibv_event_type_str}.
     *
     * @param eventType an {@code ibv_event_type}
     * @return e.g. "local work queue catastrophic error"
     */
    public static String eventTypeStr(int eventType) {
        try {
            return Native.string((MemorySegment) H.EVENT_TYPE_STR.invokeExact(eventType), 128);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * Formats a GUID the way {@code ibv_devinfo} does.
     *
     * @param guid a GUID in host order (as {@link DeviceList#guid} returns it)
     * @return e.g. {@code "5054:00ff:fe12:3456"}
     */
    public static String formatGuid(long guid) {
        return String.format("%04x:%04x:%04x:%04x", (guid >>> 48) & 0xffff, (guid >>> 32) & 0xffff,
                (guid >>> 16) & 0xffff, guid & 0xffff);
    }
}

package io.rdma4j.ffi;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hand-written layouts of the C structs rdma4j binds, for x86_64 Linux and rdma-core 44
 * (Debian 12), with the C field names and every padding byte spelled out.
 * {@code LayoutTest} compiles a C program against the installed headers and checks every
 * offset and size here against {@code offsetof}/{@code sizeof}.
 *
 * <p>Conventions: a C anonymous union is a union named {@code anon_...} (C code names its
 * members directly); big-endian C types ({@code __be16/32/64}) are big-endian value layouts, so
 * their var handles read and write host values; pointers are {@link ValueLayout#ADDRESS}.
 * The C definitions are quoted in the Javadoc of the class that gives access to each struct.
 */
public final class Layouts {
    private Layouts() {}

    /** Prefix of the names given to C anonymous unions; the layout test leaves them out of C member paths. */
    public static final String ANONYMOUS = "anon_";

    static final ValueLayout.OfShort BE_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE_INT = JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong BE_LONG = JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN);

    private static AddressLayout ptr(String name) {
        return ADDRESS.withName(name);
    }

    private static ValueLayout.OfLong u64(String name) {
        return JAVA_LONG.withName(name);
    }

    private static ValueLayout.OfInt u32(String name) {
        return JAVA_INT.withName(name);
    }

    private static ValueLayout.OfShort u16(String name) {
        return JAVA_SHORT.withName(name);
    }

    private static ValueLayout.OfByte u8(String name) {
        return JAVA_BYTE.withName(name);
    }

    private static SequenceLayout chars(String name, int n) {
        return sequenceLayout(n, JAVA_BYTE).withName(name);
    }

    /** {@code pthread_mutex_t}: 40 bytes, 8-aligned on x86_64. */
    private static SequenceLayout mutex(String name) {
        return sequenceLayout(5, JAVA_LONG).withName(name);
    }

    /** {@code pthread_cond_t}: 48 bytes, 8-aligned on x86_64. */
    private static SequenceLayout cond(String name) {
        return sequenceLayout(6, JAVA_LONG).withName(name);
    }

    private static MemoryLayout pad(int bytes) {
        return paddingLayout(bytes);
    }

    // ---------------------------------------------------------------- libibverbs: data path

    /** {@code union ibv_gid}, 16 bytes; see {@link Gid}. */
    public static final UnionLayout IBV_GID = unionLayout(
            chars("raw", 16),
            structLayout(BE_LONG.withName("subnet_prefix"), BE_LONG.withName("interface_id")).withName("global")
    ).withName("ibv_gid");

    /** {@code struct ibv_sge}, 16 bytes; see {@link SendWr}. */
    public static final StructLayout IBV_SGE = structLayout(
            u64("addr"),
            u32("length"),
            u32("lkey")
    ).withName("ibv_sge");

    /** {@code struct ibv_mw_bind_info}, 32 bytes. */
    public static final StructLayout IBV_MW_BIND_INFO = structLayout(
            ptr("mr"),
            u64("addr"),
            u64("length"),
            u32("mw_access_flags"),
            pad(4)
    ).withName("ibv_mw_bind_info");

    /** {@code struct ibv_send_wr}, 128 bytes; see {@link SendWr}. */
    public static final StructLayout IBV_SEND_WR = structLayout(
            u64("wr_id"),
            ptr("next"),
            ptr("sg_list"),
            u32("num_sge"),
            u32("opcode"),
            u32("send_flags"),
            unionLayout(
                    BE_INT.withName("imm_data"),
                    u32("invalidate_rkey")
            ).withName(ANONYMOUS + "imm"),
            unionLayout(
                    structLayout(u64("remote_addr"), u32("rkey"), pad(4)).withName("rdma"),
                    structLayout(u64("remote_addr"), u64("compare_add"), u64("swap"), u32("rkey"), pad(4))
                            .withName("atomic"),
                    structLayout(ptr("ah"), u32("remote_qpn"), u32("remote_qkey")).withName("ud")
            ).withName("wr"),
            unionLayout(
                    structLayout(u32("remote_srqn")).withName("xrc")
            ).withName("qp_type"),
            pad(4),
            unionLayout(
                    structLayout(ptr("mw"), u32("rkey"), pad(4), IBV_MW_BIND_INFO.withName("bind_info"))
                            .withName("bind_mw"),
                    structLayout(ptr("hdr"), u16("hdr_sz"), u16("mss"), pad(4)).withName("tso")
            ).withName(ANONYMOUS + "bind_mw_tso")
    ).withName("ibv_send_wr");

    /** {@code struct ibv_recv_wr}, 32 bytes; see {@link RecvWr}. */
    public static final StructLayout IBV_RECV_WR = structLayout(
            u64("wr_id"),
            ptr("next"),
            ptr("sg_list"),
            u32("num_sge"),
            pad(4)
    ).withName("ibv_recv_wr");

    /** {@code struct ibv_wc}, 48 bytes; see {@link WorkCompletion}. */
    public static final StructLayout IBV_WC = structLayout(
            u64("wr_id"),
            u32("status"),
            u32("opcode"),
            u32("vendor_err"),
            u32("byte_len"),
            unionLayout(
                    BE_INT.withName("imm_data"),
                    u32("invalidated_rkey")
            ).withName(ANONYMOUS + "imm"),
            u32("qp_num"),
            u32("src_qp"),
            u32("wc_flags"),
            u16("pkey_index"),
            u16("slid"),
            u8("sl"),
            u8("dlid_path_bits"),
            pad(2)
    ).withName("ibv_wc");

    // ---------------------------------------------------------------- libibverbs: attributes

    /** {@code struct ibv_qp_cap}, 20 bytes; part of {@link QpInitAttr} and {@link QpAttr}. */
    public static final StructLayout IBV_QP_CAP = structLayout(
            u32("max_send_wr"),
            u32("max_recv_wr"),
            u32("max_send_sge"),
            u32("max_recv_sge"),
            u32("max_inline_data")
    ).withName("ibv_qp_cap");

    /** {@code struct ibv_global_route}, 24 bytes; see {@link QpAttr}. */
    public static final StructLayout IBV_GLOBAL_ROUTE = structLayout(
            IBV_GID.withName("dgid"),
            u32("flow_label"),
            u8("sgid_index"),
            u8("hop_limit"),
            u8("traffic_class"),
            pad(1)
    ).withName("ibv_global_route");

    /** {@code struct ibv_ah_attr}, 32 bytes; see {@link QpAttr}. */
    public static final StructLayout IBV_AH_ATTR = structLayout(
            IBV_GLOBAL_ROUTE.withName("grh"),
            u16("dlid"),
            u8("sl"),
            u8("src_path_bits"),
            u8("static_rate"),
            u8("is_global"),
            u8("port_num"),
            pad(1)
    ).withName("ibv_ah_attr");

    /** {@code struct ibv_qp_init_attr}, 64 bytes; see {@link QpInitAttr}. */
    public static final StructLayout IBV_QP_INIT_ATTR = structLayout(
            ptr("qp_context"),
            ptr("send_cq"),
            ptr("recv_cq"),
            ptr("srq"),
            IBV_QP_CAP.withName("cap"),
            u32("qp_type"),
            u32("sq_sig_all"),
            pad(4)
    ).withName("ibv_qp_init_attr");

    /** {@code struct ibv_qp_attr}, 144 bytes; see {@link QpAttr}. */
    public static final StructLayout IBV_QP_ATTR = structLayout(
            u32("qp_state"),
            u32("cur_qp_state"),
            u32("path_mtu"),
            u32("path_mig_state"),
            u32("qkey"),
            u32("rq_psn"),
            u32("sq_psn"),
            u32("dest_qp_num"),
            u32("qp_access_flags"),
            IBV_QP_CAP.withName("cap"),
            IBV_AH_ATTR.withName("ah_attr"),
            IBV_AH_ATTR.withName("alt_ah_attr"),
            u16("pkey_index"),
            u16("alt_pkey_index"),
            u8("en_sqd_async_notify"),
            u8("sq_draining"),
            u8("max_rd_atomic"),
            u8("max_dest_rd_atomic"),
            u8("min_rnr_timer"),
            u8("port_num"),
            u8("timeout"),
            u8("retry_cnt"),
            u8("rnr_retry"),
            u8("alt_port_num"),
            u8("alt_timeout"),
            pad(1),
            u32("rate_limit"),
            pad(4)
    ).withName("ibv_qp_attr");

    /** {@code struct ibv_port_attr}, 52 bytes; see {@link PortAttr}. */
    public static final StructLayout IBV_PORT_ATTR = structLayout(
            u32("state"),
            u32("max_mtu"),
            u32("active_mtu"),
            u32("gid_tbl_len"),
            u32("port_cap_flags"),
            u32("max_msg_sz"),
            u32("bad_pkey_cntr"),
            u32("qkey_viol_cntr"),
            u16("pkey_tbl_len"),
            u16("lid"),
            u16("sm_lid"),
            u8("lmc"),
            u8("max_vl_num"),
            u8("sm_sl"),
            u8("subnet_timeout"),
            u8("init_type_reply"),
            u8("active_width"),
            u8("active_speed"),
            u8("phys_state"),
            u8("link_layer"),
            u8("flags"),
            u16("port_cap_flags2"),
            pad(2)
    ).withName("ibv_port_attr");

    /** {@code struct ibv_device_attr}, 232 bytes; see {@link DeviceAttr}. */
    public static final StructLayout IBV_DEVICE_ATTR = structLayout(
            chars("fw_ver", 64),
            BE_LONG.withName("node_guid"),
            BE_LONG.withName("sys_image_guid"),
            u64("max_mr_size"),
            u64("page_size_cap"),
            u32("vendor_id"),
            u32("vendor_part_id"),
            u32("hw_ver"),
            u32("max_qp"),
            u32("max_qp_wr"),
            u32("device_cap_flags"),
            u32("max_sge"),
            u32("max_sge_rd"),
            u32("max_cq"),
            u32("max_cqe"),
            u32("max_mr"),
            u32("max_pd"),
            u32("max_qp_rd_atom"),
            u32("max_ee_rd_atom"),
            u32("max_res_rd_atom"),
            u32("max_qp_init_rd_atom"),
            u32("max_ee_init_rd_atom"),
            u32("atomic_cap"),
            u32("max_ee"),
            u32("max_rdd"),
            u32("max_mw"),
            u32("max_raw_ipv6_qp"),
            u32("max_raw_ethy_qp"),
            u32("max_mcast_grp"),
            u32("max_mcast_qp_attach"),
            u32("max_total_mcast_qp_attach"),
            u32("max_ah"),
            u32("max_fmr"),
            u32("max_map_per_fmr"),
            u32("max_srq"),
            u32("max_srq_wr"),
            u32("max_srq_sge"),
            u16("max_pkeys"),
            u8("local_ca_ack_delay"),
            u8("phys_port_cnt"),
            pad(4)
    ).withName("ibv_device_attr");

    /** {@code struct ibv_gid_entry}, 32 bytes: one row of {@code _ibv_query_gid_table}. */
    public static final StructLayout IBV_GID_ENTRY = structLayout(
            IBV_GID.withName("gid"),
            u32("gid_index"),
            u32("port_num"),
            u32("gid_type"),
            u32("ndev_ifindex")
    ).withName("ibv_gid_entry");

    /** {@code struct ibv_srq_attr}, 12 bytes. */
    public static final StructLayout IBV_SRQ_ATTR = structLayout(
            u32("max_wr"),
            u32("max_sge"),
            u32("srq_limit")
    ).withName("ibv_srq_attr");

    /** {@code struct ibv_srq_init_attr}, 24 bytes. */
    public static final StructLayout IBV_SRQ_INIT_ATTR = structLayout(
            ptr("srq_context"),
            IBV_SRQ_ATTR.withName("attr"),
            pad(4)
    ).withName("ibv_srq_init_attr");

    /** {@code struct ibv_async_event}, 16 bytes; see {@link IbvContext#getAsyncEvent}. */
    public static final StructLayout IBV_ASYNC_EVENT = structLayout(
            unionLayout(
                    ptr("cq"),
                    ptr("qp"),
                    ptr("srq"),
                    ptr("wq"),
                    u32("port_num")
            ).withName("element"),
            u32("event_type"),
            pad(4)
    ).withName("ibv_async_event");

    // ---------------------------------------------------------------- libibverbs: objects

    /** {@code struct _ibv_device_ops}, 16 bytes. */
    public static final StructLayout IBV_DEVICE_OPS = structLayout(
            ptr("_dummy1"),
            ptr("_dummy2")
    ).withName("_ibv_device_ops");

    /** {@code struct ibv_device}, 664 bytes; see {@link DeviceList}. */
    public static final StructLayout IBV_DEVICE = structLayout(
            IBV_DEVICE_OPS.withName("_ops"),
            u32("node_type"),
            u32("transport_type"),
            chars("name", 64),
            chars("dev_name", 64),
            chars("dev_path", 256),
            chars("ibdev_path", 256)
    ).withName("ibv_device");

    /**
     * {@code struct ibv_context_ops}, 256 bytes: the function-pointer table behind the inline
     * verbs; see {@link IbvContext}.
     */
    public static final StructLayout IBV_CONTEXT_OPS = structLayout(
            ptr("_compat_query_device"),
            ptr("_compat_query_port"),
            ptr("_compat_alloc_pd"),
            ptr("_compat_dealloc_pd"),
            ptr("_compat_reg_mr"),
            ptr("_compat_rereg_mr"),
            ptr("_compat_dereg_mr"),
            ptr("alloc_mw"),
            ptr("bind_mw"),
            ptr("dealloc_mw"),
            ptr("_compat_create_cq"),
            ptr("poll_cq"),
            ptr("req_notify_cq"),
            ptr("_compat_cq_event"),
            ptr("_compat_resize_cq"),
            ptr("_compat_destroy_cq"),
            ptr("_compat_create_srq"),
            ptr("_compat_modify_srq"),
            ptr("_compat_query_srq"),
            ptr("_compat_destroy_srq"),
            ptr("post_srq_recv"),
            ptr("_compat_create_qp"),
            ptr("_compat_query_qp"),
            ptr("_compat_modify_qp"),
            ptr("_compat_destroy_qp"),
            ptr("post_send"),
            ptr("post_recv"),
            ptr("_compat_create_ah"),
            ptr("_compat_destroy_ah"),
            ptr("_compat_attach_mcast"),
            ptr("_compat_detach_mcast"),
            ptr("_compat_async_event")
    ).withName("ibv_context_ops");

    /** {@code struct ibv_context}, 328 bytes; see {@link IbvContext}. */
    public static final StructLayout IBV_CONTEXT = structLayout(
            ptr("device"),
            IBV_CONTEXT_OPS.withName("ops"),
            u32("cmd_fd"),
            u32("async_fd"),
            u32("num_comp_vectors"),
            pad(4),
            mutex("mutex"),
            ptr("abi_compat")
    ).withName("ibv_context");

    /**
     * {@code struct verbs_context}, 648 bytes: the extended context that ends with the
     * {@code ibv_context} a verb gets; only {@code query_port} and {@code sz} are used, to do
     * what the inline {@code ___ibv_query_port} does.
     */
    public static final StructLayout VERBS_CONTEXT = structLayout(
            ptr("query_port"),
            ptr("advise_mr"),
            ptr("alloc_null_mr"),
            ptr("read_counters"),
            ptr("attach_counters_point_flow"),
            ptr("create_counters"),
            ptr("destroy_counters"),
            ptr("reg_dm_mr"),
            ptr("alloc_dm"),
            ptr("free_dm"),
            ptr("modify_flow_action_esp"),
            ptr("destroy_flow_action"),
            ptr("create_flow_action_esp"),
            ptr("modify_qp_rate_limit"),
            ptr("alloc_parent_domain"),
            ptr("dealloc_td"),
            ptr("alloc_td"),
            ptr("modify_cq"),
            ptr("post_srq_ops"),
            ptr("destroy_rwq_ind_table"),
            ptr("create_rwq_ind_table"),
            ptr("destroy_wq"),
            ptr("modify_wq"),
            ptr("create_wq"),
            ptr("query_rt_values"),
            ptr("create_cq_ex"),
            ptr("priv"),
            ptr("query_device_ex"),
            ptr("ibv_destroy_flow"),
            ptr("ABI_placeholder2"),
            ptr("ibv_create_flow"),
            ptr("ABI_placeholder1"),
            ptr("open_qp"),
            ptr("create_qp_ex"),
            ptr("get_srq_num"),
            ptr("create_srq_ex"),
            ptr("open_xrcd"),
            ptr("close_xrcd"),
            u64("_ABI_placeholder3"),
            u64("sz"),
            IBV_CONTEXT.withName("context")
    ).withName("verbs_context");

    /** {@code struct ibv_pd}, 16 bytes; see {@link IbvPd}. */
    public static final StructLayout IBV_PD = structLayout(
            ptr("context"),
            u32("handle"),
            pad(4)
    ).withName("ibv_pd");

    /** {@code struct ibv_mr}, 48 bytes; see {@link IbvMr}. */
    public static final StructLayout IBV_MR = structLayout(
            ptr("context"),
            ptr("pd"),
            ptr("addr"),
            u64("length"),
            u32("handle"),
            u32("lkey"),
            u32("rkey"),
            pad(4)
    ).withName("ibv_mr");

    /** {@code struct ibv_comp_channel}, 16 bytes; see {@link IbvCompChannel}. */
    public static final StructLayout IBV_COMP_CHANNEL = structLayout(
            ptr("context"),
            u32("fd"),
            u32("refcnt")
    ).withName("ibv_comp_channel");

    /** {@code struct ibv_cq}, 128 bytes; see {@link IbvCq}. */
    public static final StructLayout IBV_CQ = structLayout(
            ptr("context"),
            ptr("channel"),
            ptr("cq_context"),
            u32("handle"),
            u32("cqe"),
            mutex("mutex"),
            cond("cond"),
            u32("comp_events_completed"),
            u32("async_events_completed")
    ).withName("ibv_cq");

    /** {@code struct ibv_qp}, 160 bytes; see {@link IbvQp}. */
    public static final StructLayout IBV_QP = structLayout(
            ptr("context"),
            ptr("qp_context"),
            ptr("pd"),
            ptr("send_cq"),
            ptr("recv_cq"),
            ptr("srq"),
            u32("handle"),
            u32("qp_num"),
            u32("state"),
            u32("qp_type"),
            mutex("mutex"),
            cond("cond"),
            u32("events_completed"),
            pad(4)
    ).withName("ibv_qp");

    /** {@code struct ibv_srq}, 128 bytes; see {@link IbvSrq}. */
    public static final StructLayout IBV_SRQ = structLayout(
            ptr("context"),
            ptr("srq_context"),
            ptr("pd"),
            u32("handle"),
            pad(4),
            mutex("mutex"),
            cond("cond"),
            u32("events_completed"),
            pad(4)
    ).withName("ibv_srq");

    // ---------------------------------------------------------------- sockets and poll

    /** {@code struct sockaddr}, 16 bytes. */
    public static final StructLayout SOCKADDR = structLayout(
            u16("sa_family"),
            chars("sa_data", 14)
    ).withName("sockaddr");

    /** {@code struct sockaddr_in}, 16 bytes; see {@link SockAddr}. */
    public static final StructLayout SOCKADDR_IN = structLayout(
            u16("sin_family"),
            BE_SHORT.withName("sin_port"),
            structLayout(BE_INT.withName("s_addr")).withName("sin_addr"),
            chars("sin_zero", 8)
    ).withName("sockaddr_in");

    /** {@code struct sockaddr_in6}, 28 bytes; see {@link SockAddr}. */
    public static final StructLayout SOCKADDR_IN6 = structLayout(
            u16("sin6_family"),
            BE_SHORT.withName("sin6_port"),
            BE_INT.withName("sin6_flowinfo"),
            chars("sin6_addr", 16),
            u32("sin6_scope_id")
    ).withName("sockaddr_in6");

    /** {@code struct sockaddr_storage}, 128 bytes. */
    public static final StructLayout SOCKADDR_STORAGE = structLayout(
            u16("ss_family"),
            chars("__ss_padding", 118),
            u64("__ss_align")
    ).withName("sockaddr_storage");

    /** {@code struct pollfd}, 8 bytes; see {@link FdWaiter}. */
    public static final StructLayout POLLFD = structLayout(
            u32("fd"),
            u16("events"),
            u16("revents")
    ).withName("pollfd");

    // ---------------------------------------------------------------- librdmacm

    /** {@code struct rdma_event_channel}, 4 bytes; see {@link CmEventChannel}. */
    public static final StructLayout RDMA_EVENT_CHANNEL = structLayout(
            u32("fd")
    ).withName("rdma_event_channel");

    /** {@code struct rdma_ib_addr}, 40 bytes. */
    public static final StructLayout RDMA_IB_ADDR = structLayout(
            IBV_GID.withName("sgid"),
            IBV_GID.withName("dgid"),
            BE_SHORT.withName("pkey"),
            pad(6)
    ).withName("rdma_ib_addr");

    /** {@code struct rdma_addr}, 296 bytes. */
    public static final StructLayout RDMA_ADDR = structLayout(
            unionLayout(
                    SOCKADDR.withName("src_addr"),
                    SOCKADDR_IN.withName("src_sin"),
                    SOCKADDR_IN6.withName("src_sin6"),
                    SOCKADDR_STORAGE.withName("src_storage")
            ).withName(ANONYMOUS + "src"),
            unionLayout(
                    SOCKADDR.withName("dst_addr"),
                    SOCKADDR_IN.withName("dst_sin"),
                    SOCKADDR_IN6.withName("dst_sin6"),
                    SOCKADDR_STORAGE.withName("dst_storage")
            ).withName(ANONYMOUS + "dst"),
            unionLayout(
                    RDMA_IB_ADDR.withName("ibaddr")
            ).withName("addr")
    ).withName("rdma_addr");

    /** {@code struct rdma_route}, 312 bytes. */
    public static final StructLayout RDMA_ROUTE = structLayout(
            RDMA_ADDR.withName("addr"),
            ptr("path_rec"),
            u32("num_paths"),
            pad(4)
    ).withName("rdma_route");

    /** {@code struct rdma_cm_id}, 416 bytes; see {@link CmId}. */
    public static final StructLayout RDMA_CM_ID = structLayout(
            ptr("verbs"),
            ptr("channel"),
            ptr("context"),
            ptr("qp"),
            RDMA_ROUTE.withName("route"),
            u32("ps"),
            u8("port_num"),
            pad(3),
            ptr("event"),
            ptr("send_cq_channel"),
            ptr("send_cq"),
            ptr("recv_cq_channel"),
            ptr("recv_cq"),
            ptr("srq"),
            ptr("pd"),
            u32("qp_type"),
            pad(4)
    ).withName("rdma_cm_id");

    /** {@code struct rdma_conn_param}, 24 bytes; see {@link CmId}. */
    public static final StructLayout RDMA_CONN_PARAM = structLayout(
            ptr("private_data"),
            u8("private_data_len"),
            u8("responder_resources"),
            u8("initiator_depth"),
            u8("flow_control"),
            u8("retry_count"),
            u8("rnr_retry_count"),
            u8("srq"),
            pad(1),
            u32("qp_num"),
            pad(4)
    ).withName("rdma_conn_param");

    /** {@code struct rdma_ud_param}, 56 bytes. */
    public static final StructLayout RDMA_UD_PARAM = structLayout(
            ptr("private_data"),
            u8("private_data_len"),
            pad(7),
            IBV_AH_ATTR.withName("ah_attr"),
            u32("qp_num"),
            u32("qkey")
    ).withName("rdma_ud_param");

    /** {@code struct rdma_cm_event}, 80 bytes; see {@link CmEvent}. */
    public static final StructLayout RDMA_CM_EVENT = structLayout(
            ptr("id"),
            ptr("listen_id"),
            u32("event"),
            u32("status"),
            unionLayout(
                    RDMA_CONN_PARAM.withName("conn"),
                    RDMA_UD_PARAM.withName("ud")
            ).withName("param")
    ).withName("rdma_cm_event");

    /** A var handle (segment, base offset) for the member at {@code path}, e.g. {@code "wr", "rdma", "rkey"}. */
    static java.lang.invoke.VarHandle handle(GroupLayout layout, String... path) {
        return layout.varHandle(elements(path));
    }

    /** The byte offset of the member at {@code path}. */
    static long offset(GroupLayout layout, String... path) {
        return layout.byteOffset(elements(path));
    }

    private static MemoryLayout.PathElement[] elements(String... path) {
        MemoryLayout.PathElement[] elements = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = MemoryLayout.PathElement.groupElement(path[i]);
        }
        return elements;
    }

    /**
     * Every layout above by its C type, e.g. {@code "struct ibv_send_wr"} or {@code "union ibv_gid"};
     * what {@code LayoutTest} checks.
     */
    static Map<String, GroupLayout> byCType() {
        Map<String, GroupLayout> m = new LinkedHashMap<>();
        m.put("union ibv_gid", IBV_GID);
        for (GroupLayout g : new GroupLayout[] {IBV_SGE, IBV_MW_BIND_INFO, IBV_SEND_WR, IBV_RECV_WR, IBV_WC,
                IBV_QP_CAP, IBV_GLOBAL_ROUTE, IBV_AH_ATTR, IBV_QP_INIT_ATTR, IBV_QP_ATTR, IBV_PORT_ATTR,
                IBV_DEVICE_ATTR, IBV_GID_ENTRY, IBV_SRQ_ATTR, IBV_SRQ_INIT_ATTR, IBV_ASYNC_EVENT, IBV_DEVICE_OPS,
                IBV_DEVICE, IBV_CONTEXT_OPS, IBV_CONTEXT, VERBS_CONTEXT, IBV_PD, IBV_MR, IBV_COMP_CHANNEL, IBV_CQ,
                IBV_QP, IBV_SRQ, SOCKADDR, SOCKADDR_IN, SOCKADDR_IN6, SOCKADDR_STORAGE, POLLFD, RDMA_EVENT_CHANNEL,
                RDMA_IB_ADDR, RDMA_ADDR, RDMA_ROUTE, RDMA_CM_ID, RDMA_CONN_PARAM, RDMA_UD_PARAM, RDMA_CM_EVENT}) {
            m.put("struct " + g.name().orElseThrow(), g);
        }
        return m;
    }
}

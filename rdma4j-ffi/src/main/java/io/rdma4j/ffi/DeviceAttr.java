package io.rdma4j.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Flyweight over {@code struct ibv_device_attr}, filled by {@link IbvContext#queryDevice}.
 *
 * <pre>{@code
 * struct ibv_device_attr {
 *     char                fw_ver[64];
 *     __be64              node_guid;
 *     __be64              sys_image_guid;
 *     uint64_t            max_mr_size;
 *     uint64_t            page_size_cap;
 *     uint32_t            vendor_id;
 *     uint32_t            vendor_part_id;
 *     uint32_t            hw_ver;
 *     int                 max_qp;
 *     int                 max_qp_wr;
 *     unsigned int        device_cap_flags;
 *     int                 max_sge;
 *     int                 max_sge_rd;
 *     int                 max_cq;
 *     int                 max_cqe;
 *     int                 max_mr;
 *     int                 max_pd;
 *     int                 max_qp_rd_atom;
 *     int                 max_ee_rd_atom;
 *     int                 max_res_rd_atom;
 *     int                 max_qp_init_rd_atom;
 *     int                 max_ee_init_rd_atom;
 *     enum ibv_atomic_cap atomic_cap;
 *     int                 max_ee;
 *     int                 max_rdd;
 *     int                 max_mw;
 *     int                 max_raw_ipv6_qp;
 *     int                 max_raw_ethy_qp;
 *     int                 max_mcast_grp;
 *     int                 max_mcast_qp_attach;
 *     int                 max_total_mcast_qp_attach;
 *     int                 max_ah;
 *     int                 max_fmr;
 *     int                 max_map_per_fmr;
 *     int                 max_srq;
 *     int                 max_srq_wr;
 *     int                 max_srq_sge;
 *     uint16_t            max_pkeys;
 *     uint8_t             local_ca_ack_delay;
 *     uint8_t             phys_port_cnt;
 * };
 * }</pre>
 */
public final class DeviceAttr {
    private static final long FW_VER = Layouts.offset(Layouts.IBV_DEVICE_ATTR, "fw_ver");
    private static final VarHandle NODE_GUID = h("node_guid");
    private static final VarHandle SYS_IMAGE_GUID = h("sys_image_guid");
    private static final VarHandle MAX_MR_SIZE = h("max_mr_size");
    private static final VarHandle PAGE_SIZE_CAP = h("page_size_cap");
    private static final VarHandle VENDOR_ID = h("vendor_id");
    private static final VarHandle VENDOR_PART_ID = h("vendor_part_id");
    private static final VarHandle HW_VER = h("hw_ver");
    private static final VarHandle MAX_QP = h("max_qp");
    private static final VarHandle MAX_QP_WR = h("max_qp_wr");
    private static final VarHandle DEVICE_CAP_FLAGS = h("device_cap_flags");
    private static final VarHandle MAX_SGE = h("max_sge");
    private static final VarHandle MAX_SGE_RD = h("max_sge_rd");
    private static final VarHandle MAX_CQ = h("max_cq");
    private static final VarHandle MAX_CQE = h("max_cqe");
    private static final VarHandle MAX_MR = h("max_mr");
    private static final VarHandle MAX_PD = h("max_pd");
    private static final VarHandle MAX_QP_RD_ATOM = h("max_qp_rd_atom");
    private static final VarHandle MAX_QP_INIT_RD_ATOM = h("max_qp_init_rd_atom");
    private static final VarHandle ATOMIC_CAP = h("atomic_cap");
    private static final VarHandle MAX_MW = h("max_mw");
    private static final VarHandle MAX_SRQ = h("max_srq");
    private static final VarHandle MAX_SRQ_WR = h("max_srq_wr");
    private static final VarHandle MAX_SRQ_SGE = h("max_srq_sge");
    private static final VarHandle MAX_PKEYS = h("max_pkeys");
    private static final VarHandle LOCAL_CA_ACK_DELAY = h("local_ca_ack_delay");
    private static final VarHandle PHYS_PORT_CNT = h("phys_port_cnt");

    private static VarHandle h(String name) {
        return Layouts.handle(Layouts.IBV_DEVICE_ATTR, name);
    }

    private final MemorySegment segment;

    private DeviceAttr(MemorySegment segment) {
        this.segment = segment;
    }

    /**
     * @param arena owner of the memory
     * @return a zeroed {@code ibv_device_attr}
     */
    public static DeviceAttr allocate(Arena arena) {
        return new DeviceAttr(arena.allocate(Layouts.IBV_DEVICE_ATTR));
    }

    /** @return the struct */
    public MemorySegment segment() {
        return segment;
    }

    private int i(VarHandle h) {
        return (int) h.get(segment, 0L);
    }

    /** @return {@code fw_ver} */
    public String fwVer() {
        return segment.asSlice(FW_VER, 64).getString(0);
    }

    /** @return {@code node_guid}, in host order */
    public long nodeGuid() {
        return (long) NODE_GUID.get(segment, 0L);
    }

    /** @return {@code sys_image_guid}, in host order */
    public long sysImageGuid() {
        return (long) SYS_IMAGE_GUID.get(segment, 0L);
    }

    /** @return {@code max_mr_size} */
    public long maxMrSize() {
        return (long) MAX_MR_SIZE.get(segment, 0L);
    }

    /** @return {@code page_size_cap} */
    public long pageSizeCap() {
        return (long) PAGE_SIZE_CAP.get(segment, 0L);
    }

    /** @return {@code vendor_id} */
    public int vendorId() {
        return i(VENDOR_ID);
    }

    /** @return {@code vendor_part_id} */
    public int vendorPartId() {
        return i(VENDOR_PART_ID);
    }

    /** @return {@code hw_ver} */
    public int hwVer() {
        return i(HW_VER);
    }

    /** @return {@code max_qp} */
    public int maxQp() {
        return i(MAX_QP);
    }

    /** @return {@code max_qp_wr}: the deepest send or receive queue */
    public int maxQpWr() {
        return i(MAX_QP_WR);
    }

    /** @return {@code device_cap_flags} */
    public int deviceCapFlags() {
        return i(DEVICE_CAP_FLAGS);
    }

    /** @return {@code max_sge}: scatter/gather entries per work request */
    public int maxSge() {
        return i(MAX_SGE);
    }

    /** @return {@code max_sge_rd} */
    public int maxSgeRd() {
        return i(MAX_SGE_RD);
    }

    /** @return {@code max_cq} */
    public int maxCq() {
        return i(MAX_CQ);
    }

    /** @return {@code max_cqe}: the largest CQ */
    public int maxCqe() {
        return i(MAX_CQE);
    }

    /** @return {@code max_mr} */
    public int maxMr() {
        return i(MAX_MR);
    }

    /** @return {@code max_pd} */
    public int maxPd() {
        return i(MAX_PD);
    }

    /** @return {@code max_qp_rd_atom}: bounds a QP's {@code max_dest_rd_atomic} */
    public int maxQpRdAtom() {
        return i(MAX_QP_RD_ATOM);
    }

    /** @return {@code max_qp_init_rd_atom}: bounds a QP's {@code max_rd_atomic} */
    public int maxQpInitRdAtom() {
        return i(MAX_QP_INIT_RD_ATOM);
    }

    /** @return {@code atomic_cap}: {@link Ibv#IBV_ATOMIC_NONE} means no atomics */
    public int atomicCap() {
        return i(ATOMIC_CAP);
    }

    /** @return {@code max_mw} */
    public int maxMw() {
        return i(MAX_MW);
    }

    /** @return {@code max_srq} */
    public int maxSrq() {
        return i(MAX_SRQ);
    }

    /** @return {@code max_srq_wr} */
    public int maxSrqWr() {
        return i(MAX_SRQ_WR);
    }

    /** @return {@code max_srq_sge} */
    public int maxSrqSge() {
        return i(MAX_SRQ_SGE);
    }

    /** @return {@code max_pkeys} */
    public int maxPkeys() {
        return Short.toUnsignedInt((short) MAX_PKEYS.get(segment, 0L));
    }

    /** @return {@code local_ca_ack_delay} */
    public int localCaAckDelay() {
        return Byte.toUnsignedInt((byte) LOCAL_CA_ACK_DELAY.get(segment, 0L));
    }

    /** @return {@code phys_port_cnt}: ports are numbered 1 to this */
    public int physPortCnt() {
        return Byte.toUnsignedInt((byte) PHYS_PORT_CNT.get(segment, 0L));
    }
}

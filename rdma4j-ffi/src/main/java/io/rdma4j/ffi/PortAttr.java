package io.rdma4j.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Flyweight over {@code struct ibv_port_attr}, filled by {@link IbvContext#queryPort}.
 *
 * <pre>{@code
 * struct ibv_port_attr {
 *     enum ibv_port_state state;
 *     enum ibv_mtu        max_mtu;
 *     enum ibv_mtu        active_mtu;
 *     int                 gid_tbl_len;
 *     uint32_t            port_cap_flags;
 *     uint32_t            max_msg_sz;
 *     uint32_t            bad_pkey_cntr;
 *     uint32_t            qkey_viol_cntr;
 *     uint16_t            pkey_tbl_len;
 *     uint16_t            lid;
 *     uint16_t            sm_lid;
 *     uint8_t             lmc;
 *     uint8_t             max_vl_num;
 *     uint8_t             sm_sl;
 *     uint8_t             subnet_timeout;
 *     uint8_t             init_type_reply;
 *     uint8_t             active_width;
 *     uint8_t             active_speed;
 *     uint8_t             phys_state;
 *     uint8_t             link_layer;
 *     uint8_t             flags;
 *     uint16_t            port_cap_flags2;
 * };
 * }</pre>
 */
public final class PortAttr {
    private static final VarHandle STATE = Layouts.handle(Layouts.IBV_PORT_ATTR, "state");
    private static final VarHandle MAX_MTU = Layouts.handle(Layouts.IBV_PORT_ATTR, "max_mtu");
    private static final VarHandle ACTIVE_MTU = Layouts.handle(Layouts.IBV_PORT_ATTR, "active_mtu");
    private static final VarHandle GID_TBL_LEN = Layouts.handle(Layouts.IBV_PORT_ATTR, "gid_tbl_len");
    private static final VarHandle PORT_CAP_FLAGS = Layouts.handle(Layouts.IBV_PORT_ATTR, "port_cap_flags");
    private static final VarHandle MAX_MSG_SZ = Layouts.handle(Layouts.IBV_PORT_ATTR, "max_msg_sz");
    private static final VarHandle PKEY_TBL_LEN = Layouts.handle(Layouts.IBV_PORT_ATTR, "pkey_tbl_len");
    private static final VarHandle LID = Layouts.handle(Layouts.IBV_PORT_ATTR, "lid");
    private static final VarHandle SM_LID = Layouts.handle(Layouts.IBV_PORT_ATTR, "sm_lid");
    private static final VarHandle LMC = Layouts.handle(Layouts.IBV_PORT_ATTR, "lmc");
    private static final VarHandle ACTIVE_WIDTH = Layouts.handle(Layouts.IBV_PORT_ATTR, "active_width");
    private static final VarHandle ACTIVE_SPEED = Layouts.handle(Layouts.IBV_PORT_ATTR, "active_speed");
    private static final VarHandle PHYS_STATE = Layouts.handle(Layouts.IBV_PORT_ATTR, "phys_state");
    private static final VarHandle LINK_LAYER = Layouts.handle(Layouts.IBV_PORT_ATTR, "link_layer");

    private final MemorySegment segment;

    private PortAttr(MemorySegment segment) {
        this.segment = segment;
    }

    /**
     * @param arena owner of the memory
     * @return a zeroed {@code ibv_port_attr}
     */
    public static PortAttr allocate(Arena arena) {
        return new PortAttr(arena.allocate(Layouts.IBV_PORT_ATTR));
    }

    /** @return the struct */
    public MemorySegment segment() {
        return segment;
    }

    /** @return {@code state}: {@link Ibv#IBV_PORT_ACTIVE} when usable */
    public int state() {
        return (int) STATE.get(segment, 0L);
    }

    /** @return {@code max_mtu} ({@code ibv_mtu}) */
    public int maxMtu() {
        return (int) MAX_MTU.get(segment, 0L);
    }

    /** @return {@code active_mtu} ({@code ibv_mtu}): use it as the QP's {@code path_mtu} */
    public int activeMtu() {
        return (int) ACTIVE_MTU.get(segment, 0L);
    }

    /** @return {@code gid_tbl_len} */
    public int gidTblLen() {
        return (int) GID_TBL_LEN.get(segment, 0L);
    }

    /** @return {@code port_cap_flags} */
    public int portCapFlags() {
        return (int) PORT_CAP_FLAGS.get(segment, 0L);
    }

    /** @return {@code max_msg_sz} */
    public long maxMsgSz() {
        return Integer.toUnsignedLong((int) MAX_MSG_SZ.get(segment, 0L));
    }

    /** @return {@code pkey_tbl_len} */
    public int pkeyTblLen() {
        return Short.toUnsignedInt((short) PKEY_TBL_LEN.get(segment, 0L));
    }

    /** @return {@code lid} (InfiniBand; 0 on RoCE) */
    public int lid() {
        return Short.toUnsignedInt((short) LID.get(segment, 0L));
    }

    /** @return {@code sm_lid} */
    public int smLid() {
        return Short.toUnsignedInt((short) SM_LID.get(segment, 0L));
    }

    /** @return {@code lmc} */
    public int lmc() {
        return Byte.toUnsignedInt((byte) LMC.get(segment, 0L));
    }

    /** @return {@code active_width} */
    public int activeWidth() {
        return Byte.toUnsignedInt((byte) ACTIVE_WIDTH.get(segment, 0L));
    }

    /** @return {@code active_speed} */
    public int activeSpeed() {
        return Byte.toUnsignedInt((byte) ACTIVE_SPEED.get(segment, 0L));
    }

    /** @return {@code phys_state} */
    public int physState() {
        return Byte.toUnsignedInt((byte) PHYS_STATE.get(segment, 0L));
    }

    /** @return {@code link_layer}: {@link Ibv#IBV_LINK_LAYER_ETHERNET} for RoCE */
    public int linkLayer() {
        return Byte.toUnsignedInt((byte) LINK_LAYER.get(segment, 0L));
    }

    @Override
    public String toString() {
        return "PortAttr[state=" + Ibv.portStateName(state()) + ", active_mtu=" + Ibv.mtuBytes(activeMtu())
                + ", link_layer=" + Ibv.linkLayerName(linkLayer()) + ", lid=" + lid() + ", gid_tbl_len="
                + gidTblLen() + "]";
    }
}

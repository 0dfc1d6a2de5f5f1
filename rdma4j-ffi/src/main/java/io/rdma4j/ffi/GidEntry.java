package io.rdma4j.ffi;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One valid GID table entry, copied out of {@code struct ibv_gid_entry}.
 *
 * <pre>{@code
 * struct ibv_gid_entry {
 *     union ibv_gid gid;
 *     uint32_t gid_index;
 *     uint32_t port_num;
 *     uint32_t gid_type;      // enum ibv_gid_type
 *     uint32_t ndev_ifindex;
 * };
 * }</pre>
 *
 * @param index {@code gid_index}
 * @param port {@code port_num}
 * @param gid {@code gid}
 * @param type {@code gid_type}: {@link Ibv#IBV_GID_TYPE_IB}, {@link Ibv#IBV_GID_TYPE_ROCE_V1},
 *     {@link Ibv#IBV_GID_TYPE_ROCE_V2}
 * @param ifIndex {@code ndev_ifindex}: the network interface (RoCE), 0 for none
 */
public record GidEntry(int index, int port, Gid gid, int type, int ifIndex) {
    private static final VarHandle GID_INDEX = Layouts.IBV_GID_ENTRY.varHandle(groupElement("gid_index"));
    private static final VarHandle PORT_NUM = Layouts.IBV_GID_ENTRY.varHandle(groupElement("port_num"));
    private static final VarHandle GID_TYPE = Layouts.IBV_GID_ENTRY.varHandle(groupElement("gid_type"));
    private static final VarHandle NDEV_IFINDEX = Layouts.IBV_GID_ENTRY.varHandle(groupElement("ndev_ifindex"));

    static GidEntry read(MemorySegment entries, long offset) {
        return new GidEntry((int) GID_INDEX.get(entries, offset), (int) PORT_NUM.get(entries, offset),
                Gid.read(entries, offset), (int) GID_TYPE.get(entries, offset),
                (int) NDEV_IFINDEX.get(entries, offset));
    }

    /** @return "IB", "RoCE v1" or "RoCE v2" */
    public String typeName() {
        return Ibv.gidTypeName(type);
    }

    /** @return the interface name ({@code if_indextoname}), e.g. "rdma0", or {@code null} */
    public String netdev() {
        return Libc.ifIndexToName(ifIndex);
    }
}

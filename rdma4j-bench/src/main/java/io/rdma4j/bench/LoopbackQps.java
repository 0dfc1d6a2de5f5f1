package io.rdma4j.bench;

import io.rdma4j.ffi.Gid;
import io.rdma4j.ffi.GidEntry;
import io.rdma4j.ffi.Ibv;
import io.rdma4j.ffi.IbvContext;
import io.rdma4j.ffi.IbvQp;
import io.rdma4j.ffi.PortAttr;
import io.rdma4j.ffi.QpAttr;
import java.lang.foreign.Arena;
import java.net.Inet4Address;

/** Connects two RC QPs of one device to each other by hand, for the verbs benchmarks that bypass the core. */
final class LoopbackQps {
    static final int PORT = 1;

    private LoopbackQps() {}

    /** INIT, RTR towards {@code to}, RTS: {@code from} on this device's port 1, with {@code access} for the peer. */
    static void connect(IbvContext context, Arena arena, IbvQp from, IbvQp to, int access) {
        PortAttr port = context.queryPort(PORT);
        boolean ethernet = port.linkLayer() == Ibv.IBV_LINK_LAYER_ETHERNET;
        int gidIndex = ethernet ? gidIndex(context) : 0;
        Gid gid = ethernet ? context.queryGid(PORT, gidIndex) : null;
        QpAttr attr = QpAttr.allocate(arena);
        from.modify(attr, attr.init(PORT, access));
        from.modify(attr, attr.rtr(port.activeMtu(), to.qpNum(), 0, port.lid(), gid, gidIndex, PORT, 1, 12));
        from.modify(attr, attr.rts(0, 14, 7, 7, 1));
    }

    /** RoCE v2 with an IPv4 address first, as the verbs provider chooses; else any non-zero GID. */
    private static int gidIndex(IbvContext context) {
        int any = -1;
        for (GidEntry e : context.queryGidTable(IbvContext.MAX_GID_TABLE_ENTRIES)) {
            if (e.port() != PORT || e.gid().isZero()) {
                continue;
            }
            if (e.type() == Ibv.IBV_GID_TYPE_ROCE_V2 && e.gid().toInetAddress() instanceof Inet4Address) {
                return e.index();
            }
            if (any < 0) {
                any = e.index();
            }
        }
        return Math.max(any, 0);
    }
}

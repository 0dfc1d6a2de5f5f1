package io.rdma4j.verbs;

import static io.rdma4j.ffi.Ibv.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.ffi.DeviceList;
import io.rdma4j.ffi.FdWaiter;
import io.rdma4j.ffi.Gid;
import io.rdma4j.ffi.GidEntry;
import io.rdma4j.ffi.IbvCompChannel;
import io.rdma4j.ffi.IbvContext;
import io.rdma4j.ffi.IbvCq;
import io.rdma4j.ffi.IbvMr;
import io.rdma4j.ffi.IbvPd;
import io.rdma4j.ffi.IbvQp;
import io.rdma4j.ffi.NativeCallException;
import io.rdma4j.ffi.PortAttr;
import io.rdma4j.ffi.QpAttr;
import io.rdma4j.ffi.QpInitAttr;
import io.rdma4j.ffi.RecvWr;
import io.rdma4j.ffi.SendWr;
import io.rdma4j.ffi.Verbs;
import io.rdma4j.ffi.WorkCompletion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The binding alone on a real device, no provider: devices, ports, GIDs, then two RC QPs of one
 * PD connected to each other by hand (INIT/RTR/RTS, as ibv_rc_pingpong does) exchanging a chain of
 * work requests with several SGEs, RDMA WRITE, READ and an atomic, completions through the ops
 * table's poll_cq and through the completion channel, and a write to a deregistered MR failing
 * with the hardware's remote access error.
 */
@Timeout(120)
class BindingSmokeTest {
    private Arena arena;
    private IbvContext ctx;
    private IbvPd pd;
    private IbvCompChannel channel;
    private IbvCq cq;
    private IbvQp a;
    private IbvQp b;
    private MemorySegment buf;
    private IbvMr mr;
    private WorkCompletion wc;
    private int gidIndex;
    private Gid gid;

    @BeforeEach
    void setUp() {
        SoftRoce.assumeDevice();
        arena = Arena.ofConfined();
        ctx = Verbs.openDevice(SoftRoce.inGuest() ? SoftRoce.device() : firstDevice());
        PortAttr port = ctx.queryPort(1);
        gidIndex = VerbsDevice.chooseGid(ctx, 1, port.gidTblLen(), port.linkLayer());
        gid = ctx.queryGid(1, gidIndex);
        pd = ctx.allocPd();
        buf = arena.allocate(1 << 16, 4096);
        mr = pd.regMr(buf, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ
                | IBV_ACCESS_REMOTE_ATOMIC);
        channel = ctx.createCompChannel();
        cq = ctx.createCq(64, 0, channel, 0);
        wc = WorkCompletion.allocate(arena, 16);
        QpInitAttr init = QpInitAttr.allocate(arena).rc(cq, cq, 16, 16, 4);
        a = pd.createQp(init);
        b = pd.createQp(init);
        connect(a, b, port.activeMtu(), port.linkLayer());
    }

    private static String firstDevice() {
        try (DeviceList l = Verbs.getDeviceList()) {
            return l.name(0);
        }
    }

    private void connect(IbvQp x, IbvQp y, int mtu, int linkLayer) {
        QpAttr attr = QpAttr.allocate(arena);
        int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC;
        Gid g = linkLayer == IBV_LINK_LAYER_ETHERNET ? gid : null;
        int lid = ctx.queryPort(1).lid();
        for (IbvQp q : List.of(x, y)) {
            q.modify(attr, attr.init(1, access));
        }
        x.modify(attr, attr.rtr(mtu, y.qpNum(), 200, lid, g, gidIndex, 1, 1, 12));
        y.modify(attr, attr.rtr(mtu, x.qpNum(), 100, lid, g, gidIndex, 1, 1, 12));
        x.modify(attr, attr.rts(100, 14, 7, 7, 1));
        y.modify(attr, attr.rts(200, 14, 7, 7, 1));
        assertEquals(IBV_QPS_RTS, x.queryState());
    }

    @AfterEach
    void tearDown() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, cq, channel, mr, pd, ctx}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new AssertionError("closing " + c, e);
                }
            }
        }
        if (arena != null) {
            arena.close();
        }
    }

    /** Polls until {@code n} completions arrived, or fails after 20 s. */
    private List<long[]> completions(int n) {
        List<long[]> got = new ArrayList<>();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (got.size() < n) {
            int k = cq.poll(wc);
            assertTrue(k >= 0, "poll_cq returned " + k);
            for (int i = 0; i < k; i++) {
                got.add(new long[] {wc.wrId(i), wc.status(i), wc.opcode(i), wc.byteLen(i), wc.wcFlags(i), wc.immData(i)});
            }
            if (k == 0) {
                assertTrue(System.nanoTime() < deadline, "only " + got.size() + " of " + n + " completions");
                Thread.onSpinWait();
            }
        }
        return got;
    }

    @Test
    void devicesPortsAndGids() {
        try (DeviceList l = Verbs.getDeviceList()) {
            assertTrue(l.size() > 0);
            if (SoftRoce.inGuest()) {
                assertTrue(l.indexOf(SoftRoce.device()) >= 0);
            }
        }
        assertTrue(ctx.queryDevice().physPortCnt() >= 1);
        PortAttr p = ctx.queryPort(1);
        assertEquals(IBV_PORT_ACTIVE, p.state(), p.toString());
        List<GidEntry> table = ctx.queryGidTable(p.gidTblLen() * 2);
        assertTrue(table.stream().anyMatch(e -> e.index() == gidIndex && e.gid().equals(gid)), table.toString());
        if (SoftRoce.inGuest()) {
            assertEquals(IBV_LINK_LAYER_ETHERNET, p.linkLayer());
            assertEquals(InetAddress.ofLiteral(SoftRoce.address()), gid.toInetAddress(), "RoCE v2 GID of " + gid);
        }
    }

    @Test
    void chainedSendWithThreeSgesWriteReadAndAtomic() {
        for (int i = 0; i < 300; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 3 + 1));
        }
        RecvWr rwr = RecvWr.allocate(arena, 2, 4);
        rwr.at(0).reset(100).sge(0, buf.address() + 8192, 60, mr.lkey()).sge(1, buf.address() + 8192 + 1000, 100, mr.lkey());
        assertEquals(0, b.postRecv(rwr.chain(0, 1)));

        SendWr swr = SendWr.allocate(arena, 4, 4);
        swr.at(0).reset(1, IBV_WR_SEND_WITH_IMM, IBV_SEND_SIGNALED).immediate(0x1234abcd)
                .sge(0, buf.address(), 30, mr.lkey())
                .sge(1, buf.address() + 100, 30, mr.lkey())
                .sge(2, buf.address() + 200, 40, mr.lkey());
        swr.at(1).reset(2, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED).sge(0, buf.address(), 64, mr.lkey())
                .rdma(buf.address() + 16384, mr.rkey());
        assertEquals(0, a.postSend(swr.chain(0, 2)));

        List<long[]> got = completions(3);
        long[] recv = got.stream().filter(c -> c[0] == 100).findFirst().orElseThrow();
        assertEquals(IBV_WC_SUCCESS, recv[1], () -> statusOf(recv));
        assertEquals(IBV_WC_RECV, recv[2]);
        assertEquals(100, recv[3]);
        assertTrue((recv[4] & IBV_WC_WITH_IMM) != 0);
        assertEquals(0x1234abcd, (int) recv[5]);
        for (long[] c : got) {
            assertEquals(IBV_WC_SUCCESS, c[1], () -> statusOf(c));
        }
        byte[] expected = new byte[100];
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, expected, 0, 30);
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 100, expected, 30, 30);
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 200, expected, 60, 40);
        byte[] received = new byte[100];
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 8192, received, 0, 60); // first SGE of the receive
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 8192 + 1000, received, 60, 40);
        assertArrayEquals(expected, received);
        assertArrayEquals(buf.asSlice(0, 64).toArray(ValueLayout.JAVA_BYTE),
                buf.asSlice(16384, 64).toArray(ValueLayout.JAVA_BYTE));

        swr.at(0).reset(3, IBV_WR_RDMA_READ, IBV_SEND_SIGNALED).sge(0, buf.address() + 24576, 64, mr.lkey())
                .rdma(buf.address() + 16384, mr.rkey());
        buf.set(ValueLayout.JAVA_LONG, 32768, 40);
        swr.at(1).reset(4, IBV_WR_ATOMIC_FETCH_AND_ADD, IBV_SEND_SIGNALED).sge(0, buf.address() + 32776, 8, mr.lkey())
                .atomic(buf.address() + 32768, mr.rkey(), 2, 0);
        swr.at(2).reset(5, IBV_WR_ATOMIC_CMP_AND_SWP, IBV_SEND_SIGNALED).sge(0, buf.address() + 32784, 8, mr.lkey())
                .atomic(buf.address() + 32768, mr.rkey(), 42, 7);
        assertEquals(0, a.postSend(swr.chain(0, 3)));
        for (long[] c : completions(3)) {
            assertEquals(IBV_WC_SUCCESS, c[1], () -> statusOf(c));
        }
        assertArrayEquals(buf.asSlice(0, 64).toArray(ValueLayout.JAVA_BYTE),
                buf.asSlice(24576, 64).toArray(ValueLayout.JAVA_BYTE));
        assertEquals(40, buf.get(ValueLayout.JAVA_LONG, 32776));
        assertEquals(42, buf.get(ValueLayout.JAVA_LONG, 32784));
        assertEquals(7, buf.get(ValueLayout.JAVA_LONG, 32768));
    }

    @Test
    void armedCqRaisesAnEventOnTheChannel() {
        channel.setNonBlocking();
        assertEquals(0, cq.reqNotify(false));
        assertEquals(0, cq.poll(wc));
        FdWaiter waiter = new FdWaiter(channel.fd());
        assertEquals(0, waiter.await(0), "an event without a completion");
        SendWr swr = SendWr.allocate(arena, 1, 1);
        swr.at(0).reset(9, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED).sge(0, buf.address(), 8, mr.lkey())
                .rdma(buf.address() + 512, mr.rkey());
        assertEquals(0, a.postSend(swr.chain(0, 1)));
        assertEquals(1, waiter.await(20_000), "no completion event within 20 s");
        assertSame(cq, channel.getCqEvent());
        cq.ackEvents(1);
        List<long[]> got = completions(1);
        assertEquals(9, got.get(0)[0]);
    }

    @Test
    void aDeregisteredRegionIsRejectedByTheHardware() {
        MemorySegment target = arena.allocate(4096, 4096);
        IbvMr granted = pd.regMr(target, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
        int rkey = granted.rkey();
        SendWr swr = SendWr.allocate(arena, 1, 1);
        swr.at(0).reset(1, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED).sge(0, buf.address(), 8, mr.lkey())
                .rdma(target.address(), rkey);
        assertEquals(0, a.postSend(swr.chain(0, 1)));
        assertEquals(IBV_WC_SUCCESS, completions(1).get(0)[1]);
        granted.close(); // the revocation: ibv_dereg_mr
        buf.set(ValueLayout.JAVA_LONG, 0, 0x5555L);
        target.set(ValueLayout.JAVA_LONG, 0, 0x7777L);
        swr.at(0).reset(2, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED).sge(0, buf.address(), 8, mr.lkey())
                .rdma(target.address(), rkey);
        assertEquals(0, a.postSend(swr.chain(0, 1)));
        long[] c = completions(1).get(0);
        assertEquals(IBV_WC_REM_ACCESS_ERR, c[1], () -> statusOf(c));
        assertEquals(0x7777L, target.get(ValueLayout.JAVA_LONG, 0), "the write landed after deregistration");
        // the QP is now in error: what follows flushes
        swr.at(0).reset(3, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED).sge(0, buf.address(), 8, mr.lkey())
                .rdma(buf.address() + 64, mr.rkey());
        assertEquals(0, a.postSend(swr.chain(0, 1)));
        assertEquals(IBV_WC_WR_FLUSH_ERR, completions(1).get(0)[1]);
    }

    @Test
    void aFailingControlCallCarriesErrnoInItsMessage() {
        QpAttr attr = QpAttr.allocate(arena);
        attr.clear().qpState(IBV_QPS_RTR); // RTS -> RTR is not a legal transition
        NativeCallException e = assertThrows(NativeCallException.class, () -> a.modify(attr, IBV_QP_STATE));
        assertEquals("ibv_modify_qp", e.function());
        assertTrue(e.getMessage().contains(e.errnoName()) && e.errno() > 0, e.getMessage());
        assertNotNull(Verbs.wcStatusStr(IBV_WC_REM_ACCESS_ERR));
    }

    private static String statusOf(long[] c) {
        return "wr " + c[0] + ": " + wcStatusName((int) c[1]);
    }
}

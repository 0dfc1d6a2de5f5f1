package io.rdma4j.verbs;

import io.rdma4j.ConnectionException;
import io.rdma4j.ProviderUnavailableException;
import io.rdma4j.RdmaException;
import io.rdma4j.ffi.CmDeviceList;
import io.rdma4j.ffi.DeviceAttr;
import io.rdma4j.ffi.Errno;
import io.rdma4j.ffi.Gid;
import io.rdma4j.ffi.GidEntry;
import io.rdma4j.ffi.Ibv;
import io.rdma4j.ffi.IbvContext;
import io.rdma4j.ffi.IbvMr;
import io.rdma4j.ffi.IbvPd;
import io.rdma4j.ffi.IbvQp;
import io.rdma4j.ffi.NativeCallException;
import io.rdma4j.ffi.PortAttr;
import io.rdma4j.ffi.QpAttr;
import io.rdma4j.ffi.RdmaCm;
import io.rdma4j.ffi.Verbs;
import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.DeviceLimits;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An open verbs device: its context (librdmacm's own one in cm mode, so that the QPs of the
 * rdma_cm ids and the MRs share one PD), the PD, the chosen port and GID, and the event loop
 * that serves control channels and connection events.
 */
final class VerbsDevice implements ProviderDevice {
    static final System.Logger LOG = System.getLogger("io.rdma4j.verbs");
    /** The largest control message, also the size of each control receive buffer. */
    static final int MAX_CONTROL_MESSAGE = 512;

    final ProviderConfig config;
    final boolean oob;
    /** No control channel: the peer is a foreign program (rdma4j.verbs.control=none). */
    final boolean plain;
    /** Inline payload bytes a data QP asks for ({@link VerbsProvider#maxInlineData}); what it gets is per QP. */
    final int inlineRequest;
    final IbvContext context;
    private final CmDeviceList cmDevices;
    final IbvPd pd;
    final String name;
    final int port;
    final int gidIndex;
    final Gid gid;
    final int lid;
    final int mtu;
    final int linkLayer;
    /** RDMA READs and atomics outstanding per QP, each way. */
    final int rdAtomic;
    final int ackTimeoutCode;
    final int rnrTimerCode;
    final int retryCount;
    final int rnrRetry;
    private final DeviceLimits limits;
    final EventLoop events;
    private volatile boolean closed;

    private VerbsDevice(ProviderConfig config, boolean oob, IbvContext context, CmDeviceList cmDevices, IbvPd pd,
                        String name, int port) {
        this.config = config;
        this.oob = oob;
        this.plain = VerbsProvider.noControl(config);
        this.inlineRequest = VerbsProvider.maxInlineData(config);
        this.context = context;
        this.cmDevices = cmDevices;
        this.pd = pd;
        this.name = name;
        this.port = port;
        DeviceAttr attr = context.queryDevice();
        PortAttr p = context.queryPort(port);
        this.lid = p.lid();
        this.mtu = p.activeMtu();
        this.linkLayer = p.linkLayer();
        this.gidIndex = config.gidIndex() >= 0 ? config.gidIndex() : chooseGid(context, port, p.gidTblLen(), linkLayer);
        this.gid = context.queryGid(port, gidIndex);
        this.rdAtomic = Math.max(1, Math.min(16, Math.min(attr.maxQpRdAtom(), attr.maxQpInitRdAtom())));
        this.ackTimeoutCode = QpAttr.ackTimeoutCode(config.ackTimeout().toNanos());
        this.rnrTimerCode = QpAttr.rnrTimerCode(config.rnrDelay().toNanos());
        this.retryCount = Math.clamp(config.retryCount(), 0, 7);
        this.rnrRetry = Math.clamp(config.rnrRetry(), 0, 7);
        this.limits = new DeviceLimits(attr.maxCqe(), attr.maxQpWr(), p.maxMsgSz(), MAX_CONTROL_MESSAGE);
        this.events = new EventLoop(this, Math.min(attr.maxCqe(), 16384));
    }

    /**
     * The GID index to use when none is configured: RoCE v2 with an IPv4-mapped address first
     * (what rdma_cm uses for IPv4), then any RoCE v2, then any non-zero one; 0 on InfiniBand.
     */
    static int chooseGid(IbvContext ctx, int port, int tableLength, int linkLayer) {
        if (linkLayer != Ibv.IBV_LINK_LAYER_ETHERNET) {
            return 0;
        }
        List<GidEntry> entries = ctx.queryGidTable(Math.max(1, tableLength * 4));
        GidEntry v2 = null;
        GidEntry any = null;
        for (GidEntry e : entries) {
            if (e.port() != port || e.gid().isZero()) {
                continue;
            }
            if (e.type() == Ibv.IBV_GID_TYPE_ROCE_V2 && e.gid().toInetAddress() instanceof java.net.Inet4Address) {
                return e.index();
            }
            if (e.type() == Ibv.IBV_GID_TYPE_ROCE_V2 && v2 == null) {
                v2 = e;
            }
            if (any == null) {
                any = e;
            }
        }
        return v2 != null ? v2.index() : any != null ? any.index() : 0;
    }

    static VerbsDevice open(ProviderConfig config, String device, int port, boolean oob) {
        IbvContext ctx = null;
        CmDeviceList cm = null;
        IbvPd pd = null;
        try {
            if (oob) {
                ctx = Verbs.openDevice(device);
            } else {
                cm = RdmaCm.getDevices();
                for (IbvContext c : cm.contexts()) {
                    if (c.deviceName().equals(device)) {
                        ctx = c;
                    }
                }
                if (ctx == null) {
                    throw new ProviderUnavailableException(VerbsProvider.NAME, "librdmacm does not see device " + device,
                            "check rdma link show; or use -Drdma4j.verbs.connect=oob");
                }
            }
            pd = ctx.allocPd();
            return new VerbsDevice(config, oob, ctx, cm, pd, device, port);
        } catch (RuntimeException e) {
            if (pd != null) {
                quietly(pd::close);
            }
            if (ctx != null && ctx.isOwned()) {
                quietly(ctx::close);
            }
            if (cm != null) {
                quietly(cm::close);
            }
            if (e instanceof RdmaException) {
                throw e;
            }
            throw new RdmaException("opening verbs device " + device + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Moves a QP to the error state so that what is outstanding on it flushes. A failure is only
     * logged: the QP is on its way out, and closing it follows.
     *
     * @param qp the QP
     * @param which for the log ({@code control}, {@code data})
     */
    static void toErrorState(IbvQp qp, String which) {
        try (Arena a = Arena.ofConfined()) {
            QpAttr attr = QpAttr.allocate(a);
            attr.qpState(Ibv.IBV_QPS_ERR);
            qp.modify(attr, Ibv.IBV_QP_STATE);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, which + " QP to error: " + e);
        }
    }

    /**
     * Destroys a queue pair, trying again while the kernel answers EBUSY: uverbs refuses to
     * destroy an object that another thread's command (a modify, a post's doorbell) holds at
     * that moment. rdma4j orders its own calls so that this should not happen; this covers
     * what it cannot order. Another error, or EBUSY for a whole second, is thrown.
     */
    static void destroy(IbvQp qp) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (true) {
            try {
                qp.close();
                return;
            } catch (NativeCallException e) {
                if (e.errno() != Errno.EBUSY || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                LOG.log(System.Logger.Level.DEBUG, "ibv_destroy_qp: EBUSY, trying again");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cleanup step failed: " + e);
        }
    }

    void checkOpen() {
        if (closed) {
            throw new io.rdma4j.ResourceClosedException("the verbs device " + name + " is closed");
        }
    }

    @Override
    public String providerName() {
        return VerbsProvider.NAME;
    }

    @Override
    public String deviceName() {
        return name;
    }

    @Override
    public DeviceLimits limits() {
        return limits;
    }

    @Override
    public MemoryRegistration register(MemorySegment segment, int access) {
        return registerInternal(segment, access & AccessFlags.LOCAL_WRITE);
    }

    /** ibv_reg_mr with these bits; REMOTE_WRITE and REMOTE_ATOMIC need LOCAL_WRITE, which is added. */
    MemoryRegistration registerInternal(MemorySegment segment, int access) {
        checkOpen();
        int bits = access;
        if ((bits & (AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_ATOMIC)) != 0) {
            bits |= AccessFlags.LOCAL_WRITE;
        }
        try {
            IbvMr mr = pd.regMr(segment, bits);
            return new VerbsRegistration(mr, segment, access);
        } catch (NativeCallException e) {
            throw new RdmaException("registering " + segment.byteSize() + " bytes with " + name + " failed: "
                    + e.getMessage() + (e.errno() == io.rdma4j.ffi.Errno.ENOMEM
                    ? " (locked memory limit? ulimit -l)" : ""), e);
        }
    }

    @Override
    public CompletionQueue createCompletionQueue(int capacity) {
        checkOpen();
        if (capacity < 1 || capacity > limits.maxCompletionQueueEntries()) {
            throw new IllegalArgumentException("a completion queue of " + capacity + " entries; " + name
                    + " allows 1.." + limits.maxCompletionQueueEntries());
        }
        return new VerbsCompletionQueue(this, capacity);
    }

    @Override
    public ProviderListener listen(InetSocketAddress address, int backlog) {
        checkOpen();
        return oob ? new OobListener(this, address, backlog) : new CmListener(this, reachable(address), backlog);
    }

    /**
     * rdma_cm cannot route 127.0.0.1 through a RoCE device (resolve_route fails with ENODEV), yet
     * loopback is what tools default to for "this host": in cm mode a loopback address stands
     * for this device's own IPv4 address (that of its GID), the same host by another way.
     */
    InetSocketAddress reachable(InetSocketAddress address) {
        if (oob || address.isUnresolved() || !address.getAddress().isLoopbackAddress()) {
            return address;
        }
        java.net.InetAddress own = gid.toInetAddress();
        if (!(own instanceof java.net.Inet4Address)) {
            return address;
        }
        LOG.log(System.Logger.Level.DEBUG, "rdma_cm: " + address + " stands for " + own + " on " + name);
        return new InetSocketAddress(own, address.getPort());
    }

    @Override
    public ProviderEndpoint connect(InetSocketAddress remote, EndpointSpec spec, Duration timeout) {
        checkOpen();
        try {
            return oob ? OobConnector.connect(this, remote, spec, timeout)
                    : CmConnector.connect(this, reachable(remote), spec, timeout);
        } catch (RdmaException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConnectionException("connecting to " + remote + " over " + name + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        events.close();
        quietly(pd::close);
        if (context.isOwned()) {
            quietly(context::close);
        }
        if (cmDevices != null) {
            quietly(cmDevices::close);
        }
    }

    @Override
    public String toString() {
        return "VerbsDevice[" + name + " port " + port + " gid[" + gidIndex + "] " + gid + (oob ? " oob" : " rdma_cm")
                + (plain ? " plain" : "") + "]";
    }
}

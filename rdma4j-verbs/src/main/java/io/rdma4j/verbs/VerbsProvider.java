package io.rdma4j.verbs;

import io.rdma4j.ProviderUnavailableException;
import io.rdma4j.ffi.DeviceAttr;
import io.rdma4j.ffi.DeviceList;
import io.rdma4j.ffi.GidEntry;
import io.rdma4j.ffi.Ibv;
import io.rdma4j.ffi.IbvContext;
import io.rdma4j.ffi.NativeCallException;
import io.rdma4j.ffi.PortAttr;
import io.rdma4j.ffi.RdmaCm;
import io.rdma4j.ffi.Verbs;
import io.rdma4j.spi.DeviceDescription;
import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.RdmaProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code verbs} provider: a real RDMA device (InfiniBand, RoCE, Soft-RoCE) through libibverbs
 * and librdmacm. Connections are set up with rdma_cm by default, or with an out-of-band TCP
 * exchange of QP number, PSN, LID and GID ({@code ibv_rc_pingpong} style) when the provider
 * property {@code rdma4j.verbs.connect=oob}. With {@code rdma4j.verbs.control=none} the set-up speaks
 * the plain form foreign programs use ({@code ibv_rc_pingpong}'s single record, rdma_cm without
 * private data) and the endpoint has no control channel: for interop through the SPI only.
 */
public final class VerbsProvider implements RdmaProvider {
    static final String NAME = "verbs";
    static final String INSTALL_HINT = "apt-get install ibverbs-providers libibverbs1 librdmacm1";
    static final String NO_DEVICE_HINT = "no RDMA device; for Soft-RoCE: rdma link add rxe0 type rxe netdev IFACE";

    /** Public for {@link java.util.ServiceLoader}; never throws. */
    public VerbsProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 100;
    }

    /** The device and port a configuration names, checked to be usable, or why not. */
    record Target(String device, int port, ProviderAvailability availability) {}

    /** The most inline data a QP may ask for: larger asks are refused before any device sees them. */
    static final int MAX_INLINE_REQUEST = 4096;

    static boolean oob(ProviderConfig config) {
        String mode = config.property("connect", "cm").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (mode) {
            case "oob", "tcp" -> true;
            case "cm", "rdma_cm", "" -> false;
            default -> throw new IllegalArgumentException("rdma4j.verbs.connect must be cm or oob, not '" + mode + "'");
        };
    }

    /** {@code rdma4j.verbs.control}: {@code qp} (default, rdma4j peers) or {@code none} (foreign peers). */
    static boolean noControl(ProviderConfig config) {
        String mode = config.property("control", "qp").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (mode) {
            case "none" -> true;
            case "qp", "" -> false;
            default -> throw new IllegalArgumentException("rdma4j.verbs.control must be qp or none, not '" + mode + "'");
        };
    }

    /**
     * {@code rdma4j.verbs.maxInlineData}: how many payload bytes of a WRITE or SEND the data QP
     * asks to take inline (0 turns inline data off). 220 by default, perftest's for write_lat.
     */
    static int maxInlineData(ProviderConfig config) {
        String v = config.property("maxInlineData", "220").trim();
        try {
            int n = Integer.parseInt(v);
            if (n >= 0 && n <= MAX_INLINE_REQUEST) {
                return n;
            }
        } catch (NumberFormatException e) {
            // explained below
        }
        throw new IllegalArgumentException("rdma4j.verbs.maxInlineData must be 0.." + MAX_INLINE_REQUEST
                + " bytes, not '" + v + "'");
    }

    static Target target(ProviderConfig config) {
        // the settings first: a bad one is explained whatever the machine has
        boolean oob;
        try {
            oob = oob(config);
            noControl(config);
            maxInlineData(config);
        } catch (IllegalArgumentException e) {
            return new Target(null, 0, ProviderAvailability.no(e.getMessage(),
                    "set rdma4j.verbs.connect=cm or oob, rdma4j.verbs.control=qp or none, rdma4j.verbs.maxInlineData=0.."
                            + MAX_INLINE_REQUEST));
        }
        if (!Verbs.isAvailable()) {
            return new Target(null, 0, ProviderAvailability.no("libibverbs cannot be used: "
                    + Verbs.unavailabilityCause().map(Throwable::getMessage).orElse("unknown"), INSTALL_HINT));
        }
        if (!oob && !RdmaCm.isAvailable()) {
            return new Target(null, 0, ProviderAvailability.no("librdmacm cannot be used: "
                    + RdmaCm.unavailabilityCause().map(Throwable::getMessage).orElse("unknown"),
                    "apt-get install librdmacm1 (or use -Drdma4j.verbs.connect=oob)"));
        }
        List<String> names = new ArrayList<>();
        try (DeviceList list = Verbs.getDeviceList()) {
            for (int i = 0; i < list.size(); i++) {
                names.add(list.name(i));
            }
        } catch (NativeCallException e) {
            return new Target(null, 0, ProviderAvailability.no("the kernel offers no RDMA devices (" + e.getMessage()
                    + ")", "load the RDMA modules (modprobe ib_uverbs rdma_ucm); " + NO_DEVICE_HINT));
        }
        if (names.isEmpty()) {
            return new Target(null, 0, ProviderAvailability.no("libibverbs found no RDMA device", NO_DEVICE_HINT));
        }
        int port = config.port();
        if (config.device() != null && !config.device().isEmpty()) {
            if (!names.contains(config.device())) {
                return new Target(null, 0, ProviderAvailability.no("no RDMA device named " + config.device()
                        + "; devices: " + names, "choose one of those with -Drdma4j.device"));
            }
            return new Target(config.device(), port, portAvailability(config.device(), port));
        }
        ProviderAvailability first = null;
        for (String n : names) {
            ProviderAvailability a = portAvailability(n, port);
            if (a.available()) {
                return new Target(n, port, a);
            }
            if (first == null) {
                first = a;
            }
        }
        return new Target(names.get(0), port, first);
    }

    private static ProviderAvailability portAvailability(String device, int port) {
        try (IbvContext ctx = Verbs.openDevice(device)) {
            DeviceAttr attr = ctx.queryDevice();
            if (port < 1 || port > attr.physPortCnt()) {
                return ProviderAvailability.no(device + " has no port " + port + " (ports 1.." + attr.physPortCnt() + ")",
                        "choose a port with -Drdma4j.port");
            }
            PortAttr p = ctx.queryPort(port);
            if (p.state() != Ibv.IBV_PORT_ACTIVE) {
                return ProviderAvailability.no("port " + port + " of " + device + " is " + Ibv.portStateName(p.state())
                        + ", not ACTIVE", "bring its link up (for Soft-RoCE: ip link set IFACE up on the netdev of "
                        + device + "; rdma link show)");
            }
            return ProviderAvailability.yes();
        } catch (RuntimeException e) {
            return ProviderAvailability.no("cannot open " + device + ": " + e.getMessage(),
                    "check permissions on /dev/infiniband (or run as root)");
        }
    }

    @Override
    public ProviderAvailability probe(ProviderConfig config) {
        try {
            return target(config).availability();
        } catch (Throwable t) { // never throws, whatever the native side does
            return ProviderAvailability.no("probing verbs failed: " + t, INSTALL_HINT);
        }
    }

    @Override
    public ProviderDevice open(ProviderConfig config) {
        Target t;
        try {
            t = target(config);
        } catch (RuntimeException e) {
            throw new ProviderUnavailableException(NAME, "probing verbs failed: " + e.getMessage(), INSTALL_HINT);
        }
        if (!t.availability().available()) {
            throw new ProviderUnavailableException(NAME, t.availability().reason(), t.availability().hint());
        }
        return VerbsDevice.open(config, t.device(), t.port(), oob(config));
    }

    @Override
    public List<DeviceDescription> describeDevices() {
        List<DeviceDescription> out = new ArrayList<>();
        try {
            if (!Verbs.isAvailable()) {
                out.add(new DeviceDescription(NAME, "-", false, Map.of("error",
                        Verbs.unavailabilityCause().map(Throwable::getMessage).orElse("libibverbs missing"),
                        "hint", INSTALL_HINT), List.of()));
                return out;
            }
            List<String> names = new ArrayList<>();
            try (DeviceList list = Verbs.getDeviceList()) {
                for (int i = 0; i < list.size(); i++) {
                    names.add(list.name(i));
                }
            }
            for (String n : names) {
                out.add(describe(n));
            }
        } catch (Throwable e) {
            out.add(new DeviceDescription(NAME, "-", false, Map.of("error", String.valueOf(e.getMessage()),
                    "hint", NO_DEVICE_HINT), List.of()));
        }
        return out;
    }

    private static DeviceDescription describe(String name) {
        try (IbvContext ctx = Verbs.openDevice(name)) {
            DeviceAttr a = ctx.queryDevice();
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("node_guid", Verbs.formatGuid(a.nodeGuid()));
            attrs.put("fw_ver", a.fwVer());
            attrs.put("vendor_id", "0x" + Integer.toHexString(a.vendorId()));
            attrs.put("max_qp", String.valueOf(a.maxQp()));
            attrs.put("max_qp_wr", String.valueOf(a.maxQpWr()));
            attrs.put("max_cqe", String.valueOf(a.maxCqe()));
            attrs.put("max_mr_size", String.valueOf(a.maxMrSize()));
            attrs.put("max_qp_rd_atom", String.valueOf(a.maxQpRdAtom()));
            attrs.put("atomic_cap", String.valueOf(a.atomicCap()));
            attrs.put("phys_port_cnt", String.valueOf(a.physPortCnt()));
            List<Map<String, String>> ports = new ArrayList<>();
            boolean usable = false;
            int gidTotal = 0;
            for (int port = 1; port <= a.physPortCnt(); port++) {
                gidTotal += ctx.queryPort(port).gidTblLen();
            }
            List<GidEntry> gids = ctx.queryGidTable(Math.max(1, gidTotal));
            for (int port = 1; port <= a.physPortCnt(); port++) {
                PortAttr p = ctx.queryPort(port);
                usable |= p.state() == Ibv.IBV_PORT_ACTIVE;
                Map<String, String> m = new LinkedHashMap<>();
                m.put("port", String.valueOf(port));
                m.put("state", Ibv.portStateName(p.state()));
                m.put("active_mtu", String.valueOf(Ibv.mtuBytes(p.activeMtu())));
                m.put("link_layer", Ibv.linkLayerName(p.linkLayer()));
                m.put("lid", String.valueOf(p.lid()));
                m.put("max_msg_sz", String.valueOf(p.maxMsgSz()));
                for (GidEntry g : gids) {
                    if (g.port() == port) {
                        String nd = g.netdev();
                        m.put("gid[" + g.index() + "]", g.gid() + " " + g.typeName() + (nd == null ? "" : " " + nd));
                    }
                }
                ports.add(m);
            }
            return new DeviceDescription(NAME, name, usable, attrs, ports);
        } catch (RuntimeException e) {
            return new DeviceDescription(NAME, name, false, Map.of("error", String.valueOf(e.getMessage())), List.of());
        }
    }
}

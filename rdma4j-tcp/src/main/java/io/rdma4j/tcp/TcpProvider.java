package io.rdma4j.tcp;

import io.rdma4j.spi.DeviceDescription;
import io.rdma4j.spi.ProviderAvailability;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.RdmaProvider;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pure-Java provider: rdma4j's reliable-connected semantics over TCP sockets. Needs nothing
 * native, so it is always available; {@code auto} prefers a real RDMA device when there is one.
 */
public final class TcpProvider implements RdmaProvider {
    static final String NAME = "tcp";

    /** Made by {@link java.util.ServiceLoader}. */
    public TcpProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public ProviderAvailability probe(ProviderConfig config) {
        if (config.device() != null && !config.device().equals("tcp")) {
            return ProviderAvailability.no("the tcp provider has one device, 'tcp', not '" + config.device() + "'",
                    "leave the device unset or use 'tcp'");
        }
        return ProviderAvailability.yes();
    }

    @Override
    public ProviderDevice open(ProviderConfig config) {
        ProviderAvailability a = probe(config);
        if (!a.available()) {
            throw new io.rdma4j.ProviderUnavailableException(NAME, a.reason(), a.hint());
        }
        return new TcpDevice(config);
    }

    @Override
    public List<DeviceDescription> describeDevices() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("transport", "TCP sockets (pure Java), RC semantics");
        attributes.put("max_msg_sz", String.valueOf(TcpDevice.LIMITS.maxMessageSize()));
        attributes.put("max_qp_wr", String.valueOf(TcpDevice.LIMITS.maxQueuePairWorkRequests()));
        attributes.put("max_cqe", String.valueOf(TcpDevice.LIMITS.maxCompletionQueueEntries()));
        attributes.put("atomic_cap", "ATOMIC_HCA (8-byte fetch-and-add, compare-and-swap)");
        List<Map<String, String>> ports = new ArrayList<>();
        Map<String, String> port = new LinkedHashMap<>();
        port.put("port", "1");
        port.put("state", "PORT_ACTIVE");
        port.put("link_layer", "TCP");
        port.put("addresses", String.join(" ", addresses()));
        ports.add(port);
        return List.of(new DeviceDescription(NAME, "tcp", true, attributes, ports));
    }

    private static List<String> addresses() {
        List<String> out = new ArrayList<>();
        try {
            for (NetworkInterface nif : NetworkInterface.networkInterfaces().toList()) {
                if (nif.isUp()) {
                    for (InetAddress a : nif.inetAddresses().toList()) {
                        out.add(nif.getName() + ":" + a.getHostAddress());
                    }
                }
            }
        } catch (java.io.IOException e) {
            out.add("(cannot list interfaces: " + e.getMessage() + ")");
        }
        return out;
    }
}

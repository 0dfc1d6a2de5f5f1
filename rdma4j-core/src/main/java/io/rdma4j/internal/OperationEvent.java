package io.rdma4j.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * One RDMA operation from post to completion, for Java Flight Recorder. Disabled by default;
 * enable with {@code -XX:StartFlightRecording:settings=...} naming {@code io.rdma4j.Operation}.
 * When disabled, posting checks one flag and allocates nothing.
 */
@Name("io.rdma4j.Operation")
@Label("RDMA Operation")
@Category({"rdma4j"})
@Description("An RDMA work request from post to completion")
@Enabled(false)
@StackTrace(false)
final class OperationEvent extends jdk.jfr.Event {
    private static final EventType TYPE = EventType.getEventType(OperationEvent.class);

    @Label("Operation")
    String operation;

    @Label("Bytes")
    long bytes;

    @Label("Status")
    String status;

    @Label("Peer")
    String peer;

    static boolean enabled() {
        return TYPE.isEnabled();
    }
}

package io.rdma4j.ffi;

/**
 * A {@code struct rdma_cm_event}, copied out and already acknowledged (so that destroying its
 * id never waits for it).
 *
 * <pre>{@code
 * struct rdma_cm_event {
 *     struct rdma_cm_id      *id;
 *     struct rdma_cm_id      *listen_id;
 *     enum rdma_cm_event_type event;
 *     int                     status;
 *     union { struct rdma_conn_param conn; struct rdma_ud_param ud; } param;
 * };
 * }</pre>
 *
 * @param event an {@code RDMA_CM_EVENT_*} value
 * @param status 0, a negative errno, or for REJECTED the CM's reject reason
 * @param id the {@code rdma_cm_id *} the event is for (for CONNECT_REQUEST a new id: wrap it
 *     with {@link CmId#ofConnectRequest})
 * @param listenId the listening id of a CONNECT_REQUEST, else 0
 * @param privateData the peer's private data (connect requests, accepts, rejects), empty if none
 * @param responderResources {@code param.conn.responder_resources}
 * @param initiatorDepth {@code param.conn.initiator_depth}
 */
public record CmEvent(int event, int status, long id, long listenId, byte[] privateData,
                      int responderResources, int initiatorDepth) {

    /** @return e.g. "RDMA_CM_EVENT_ESTABLISHED" (without a downcall when librdmacm is absent) */
    public String name() {
        try {
            return RdmaCm.eventStr(event);
        } catch (RuntimeException e) {
            return "RDMA_CM_EVENT " + event;
        }
    }

    @Override
    public String toString() {
        return name() + (status != 0 ? " status " + status : "");
    }
}

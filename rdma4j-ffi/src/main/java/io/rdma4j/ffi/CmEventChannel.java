package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct rdma_event_channel}: where librdmacm delivers the events of the ids created on
 * it. Make it non-blocking and wait on {@link #fd()} with {@link FdWaiter} to be able to stop.
 */
public final class CmEventChannel extends NativeResource {
    private static final long FD = Layouts.offset(Layouts.RDMA_EVENT_CHANNEL, "fd");
    private static final long EV_ID = Layouts.offset(Layouts.RDMA_CM_EVENT, "id");
    private static final long EV_LISTEN_ID = Layouts.offset(Layouts.RDMA_CM_EVENT, "listen_id");
    private static final long EV_EVENT = Layouts.offset(Layouts.RDMA_CM_EVENT, "event");
    private static final long EV_STATUS = Layouts.offset(Layouts.RDMA_CM_EVENT, "status");
    private static final long EV_PRIVATE_DATA = Layouts.offset(Layouts.RDMA_CM_EVENT, "param", "conn", "private_data");
    private static final long EV_PRIVATE_DATA_LEN =
            Layouts.offset(Layouts.RDMA_CM_EVENT, "param", "conn", "private_data_len");
    private static final long EV_RESPONDER_RESOURCES =
            Layouts.offset(Layouts.RDMA_CM_EVENT, "param", "conn", "responder_resources");
    private static final long EV_INITIATOR_DEPTH =
            Layouts.offset(Layouts.RDMA_CM_EVENT, "param", "conn", "initiator_depth");

    CmEventChannel(MemorySegment pointer) {
        super(pointer, Layouts.RDMA_EVENT_CHANNEL);
    }

    /** @return {@code fd} */
    public int fd() {
        return struct.get(JAVA_INT, FD);
    }

    /**
     * Makes {@link #getEvent()} return null instead of blocking.
     *
     * @throws NativeCallException if fcntl fails
     */
    public void setNonBlocking() {
        Libc.setNonBlocking(fd());
    }

    /**
     * {@code rdma_get_cm_event}, then copies the event and {@code rdma_ack_cm_event}s it.
     *
     * @return the event, or null when the channel is non-blocking and has none
     * @throws NativeCallException if reading fails
     */
    public CmEvent getEvent() {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment out = s.out.asSlice(CallScratch.PTR1, 8);
        int rc;
        try {
            rc = (int) RdmaCm.H.GET_CM_EVENT.invokeExact(s.capture, struct, out);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (rc != 0) {
            int errno = s.errno();
            if (errno == Errno.EAGAIN) {
                return null;
            }
            throw new NativeCallException("rdma_get_cm_event", errno, null);
        }
        MemorySegment ev = Native.struct(out.get(ADDRESS, 0), Layouts.RDMA_CM_EVENT);
        int type = ev.get(JAVA_INT, EV_EVENT);
        int len = Byte.toUnsignedInt(ev.get(JAVA_BYTE, EV_PRIVATE_DATA_LEN));
        MemorySegment data = ev.get(ADDRESS, EV_PRIVATE_DATA);
        byte[] privateData = new byte[0];
        boolean connEvent = type == RdmaCm.RDMA_CM_EVENT_CONNECT_REQUEST || type == RdmaCm.RDMA_CM_EVENT_ESTABLISHED
                || type == RdmaCm.RDMA_CM_EVENT_REJECTED || type == RdmaCm.RDMA_CM_EVENT_CONNECT_RESPONSE;
        if (connEvent && len > 0 && !Native.isNull(data)) {
            privateData = data.reinterpret(len).toArray(JAVA_BYTE);
        }
        CmEvent copy = new CmEvent(type, ev.get(JAVA_INT, EV_STATUS), ev.get(ADDRESS, EV_ID).address(),
                ev.get(ADDRESS, EV_LISTEN_ID).address(), privateData,
                Byte.toUnsignedInt(ev.get(JAVA_BYTE, EV_RESPONDER_RESOURCES)),
                Byte.toUnsignedInt(ev.get(JAVA_BYTE, EV_INITIATOR_DEPTH)));
        try {
            rc = (int) RdmaCm.H.ACK_CM_EVENT.invokeExact(s.capture, ev);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "rdma_ack_cm_event", copy.toString());
        return copy;
    }

    @Override
    void release() {
        try {
            RdmaCm.H.DESTROY_EVENT_CHANNEL.invokeExact(struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }
}

package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * Handles for the data-path verbs, which are function pointers in {@code context->ops}, not
 * exported symbols. One {@code static final} handle per signature takes the function's address as
 * its first argument, so the JIT sees a constant handle and each QP/CQ only stores the address it
 * read once. No errno capture: these verbs return their error code.
 *
 * <p>The {@code CRITICAL} variants use {@link Linker.Option#critical(boolean) critical(false)}: no
 * thread-state transition around the call, so cheaper, but the GC cannot run during it. Fine for
 * calls that do not block (a poll, a post that writes a doorbell or one short syscall).
 */
final class Hot {
    private Hot() {}

    /** {@code int (*post_send/post_recv/post_srq_recv)(qp_or_srq, wr, bad_wr)} */
    private static final FunctionDescriptor POST = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    /** {@code int (*poll_cq)(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc)} */
    private static final FunctionDescriptor POLL_CQ = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
    /** {@code int (*req_notify_cq)(struct ibv_cq *cq, int solicited_only)} */
    private static final FunctionDescriptor REQ_NOTIFY_CQ = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);

    static final MethodHandle POST_WR = Verbs.LIB.functionPointer(POST, false);
    static final MethodHandle POST_WR_CRITICAL = Verbs.LIB.functionPointer(POST, false, Linker.Option.critical(false));
    static final MethodHandle POLL = Verbs.LIB.functionPointer(POLL_CQ, false);
    static final MethodHandle POLL_CRITICAL = Verbs.LIB.functionPointer(POLL_CQ, false, Linker.Option.critical(false));
    static final MethodHandle REQ_NOTIFY = Verbs.LIB.functionPointer(REQ_NOTIFY_CQ, false);
    static final MethodHandle REQ_NOTIFY_CRITICAL =
            Verbs.LIB.functionPointer(REQ_NOTIFY_CQ, false, Linker.Option.critical(false));
}

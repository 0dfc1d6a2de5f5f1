package io.rdma4j.internal;

import io.rdma4j.OperationHandler;
import io.rdma4j.RdmaException;
import java.util.concurrent.ExecutionException;

/**
 * A thread's completion target for its blocking send-side calls (write, read, the atomics,
 * send): the operation's handler, and what {@link Blocking#await} waits on. It is reused call
 * after call, so a blocking call allocates no future and boxes no atomic result.
 *
 * <p>One per thread suffices: a thread makes one blocking call at a time, and a completion
 * callback, which could start a second one inside the first, may not block at all
 * ({@link Blocking#checkMayBlock}). A call that ends before its operation reported (a timeout,
 * an interrupt, a post that failed and reports later) gives its target up, since that
 * operation may still report to it; the thread's next call gets a new one.
 */
final class BlockingCall extends Awaitable implements OperationHandler<Object> {
    private static final ThreadLocal<BlockingCall> OF_THREAD = ThreadLocal.withInitial(BlockingCall::new);

    private volatile boolean done;
    private long value; // written before done, read after it
    private RdmaException error;

    private BlockingCall() {}

    /** The calling thread's target, ready for one operation. */
    static BlockingCall begin() {
        BlockingCall c = OF_THREAD.get();
        c.error = null;
        c.value = 0;
        c.done = false;
        return c;
    }

    /** After the call, whatever happened: keeps the target for the next call only if its operation reported. */
    void end() {
        if (!done) {
            OF_THREAD.remove();
        }
    }

    /** The atomic's old value, once done without a failure. */
    long value() {
        return value;
    }

    @Override
    public void completed(long result, Object ignored) {
        value = result;
        done = true;
        wakeWaiter();
    }

    @Override
    public void failed(RdmaException e, Object ignored) {
        error = e;
        done = true;
        wakeWaiter();
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    Void outcome() throws ExecutionException {
        RdmaException e = error;
        if (e != null) {
            throw new ExecutionException(e);
        }
        return null;
    }
}

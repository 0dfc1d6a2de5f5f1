package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.ConnectionClosedException;
import io.rdma4j.RdmaContext;
import io.rdma4j.RemoteMr;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A close racing the peer's answers. Closing a connection fails its outstanding
 * {@code requestRemote} calls first and disconnects after; an answer the peer sent meanwhile
 * still arrives. It answers a request this side gave up, and must be dropped quietly: it is no
 * protocol error, and the peer's memory comes back when the connection is gone. The requesting
 * side runs the provider under test through {@link FaultProvider}, which holds the answer until
 * the close has failed the request, and holds the disconnect until the answer was handled.
 */
public abstract class CloseRaceFaultContract extends FaultContractSupport {
    /** For a provider's subclass. */
    protected CloseRaceFaultContract() {}

    /** Where the core's System.Logger records of connections go (java.util.logging). */
    private static final Logger CONNECTION_LOG = Logger.getLogger("io.rdma4j.connection");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aGrantArrivingWhileTheRequesterClosesIsDroppedQuietly() throws Exception {
        closeWhileTheAnswerIsHeld(4096, 1);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aRefusalArrivingWhileTheRequesterClosesIsDroppedQuietly() throws Exception {
        closeWhileTheAnswerIsHeld(ANSWERER_BUDGET + 1, 0);
    }

    /** The answerer's grant budget: a larger request is refused. */
    private static final long ANSWERER_BUDGET = 64 * 1024;

    /**
     * Requests {@code size} bytes, holds the answer, closes, lets the answer in, lets the close
     * finish; then nothing was reported and the answerer got its memory back.
     *
     * @param granted how many grants the answerer makes (1, or 0 when it refuses)
     */
    private void closeWhileTheAnswerIsHeld(long size, long granted) throws Exception {
        RdmaContext requester = track(openBehindFaults(b -> {}));
        RdmaContext answerer = openContext(b -> b.grantBudget(ANSWERER_BUDGET));
        long answererBaseline = CoreProbe.poolBytesInUse(answerer);
        Pair pair = connect(answerer, requester); // the requester connects: the wrapper wraps connecting endpoints
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(r);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        CONNECTION_LOG.addHandler(capture);
        try {
            CountDownLatch held = FaultProvider.holdNextIncomingControlMessage();
            CompletableFuture<RemoteMr> request = pair.client().requestRemoteAsync(size, Access.REMOTE_READ, Duration.ofMinutes(1));
            assertTrue(held.await(patience().toMillis(), TimeUnit.MILLISECONDS), "the peer's answer never reached the requester");

            FaultProvider.holdDisconnects();
            AtomicReference<Throwable> closeFailed = new AtomicReference<>();
            Thread close = Thread.ofPlatform().name("close-requester").start(() -> {
                try {
                    pair.client().close();
                } catch (Throwable t) {
                    closeFailed.set(t);
                }
            });
            assertInstanceOf(ConnectionClosedException.class, awaitFailure(request), "the close did not fail the request");

            FaultProvider.letHeldControlMessageIn(); // the answer to the failed request, now handled
            FaultProvider.release();
            assertTrue(close.join(patience()), "the close did not return once its disconnect was let through");
            assertEquals(null, closeFailed.get(), "the close threw");
            assertEquals(List.of(), warnings.stream().map(LogRecord::getMessage).toList(),
                    "the late answer was reported as a fault of the connection");
        } finally {
            CONNECTION_LOG.removeHandler(capture);
        }
        eventually("the answerer's grant ends with the connection", () -> pair.server().stats().grantsGiven() == granted
                && pair.server().stats().grantsRevoked() == granted);
        eventually("the answerer's memory for the request goes back to its pool",
                () -> CoreProbe.poolBytesInUse(answerer) == answererBaseline);
    }
}

package io.rdma4j;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a context can be told, validated once when built. Defaults come from system
 * properties ({@code rdma4j.provider}, {@code rdma4j.pollMode}, ...) and, for the provider, the
 * {@code RDMA4J_PROVIDER} environment variable.
 *
 * @param provider {@code auto}, {@code tcp}, {@code verbs}, ...; {@code auto} picks verbs when an
 *     active port exists, else tcp
 * @param device the device to open, or null for the provider's default
 * @param port the device port, 1-based
 * @param gidIndex the GID index, or -1 to choose
 * @param pollMode how pollers wait for completions
 * @param sendQueueDepth outstanding send-side operations per connection before callers queue
 * @param receiveQueueDepth posted receives per connection
 * @param completionQueueSize entries per completion queue; connections share queues
 * @param poolChunkSize bytes registered at once by the memory pool
 * @param grantBudget bytes a peer may make this side allocate through requests, per connection
 * @param maxLease the longest lease this side grants on request
 * @param operationTimeout how long blocking calls wait
 * @param connectTimeout how long connecting and accepting may take
 * @param rnrRetry receiver-not-ready retries (7 means forever, as in verbs)
 * @param rnrDelay wait between receiver-not-ready retries
 * @param retryCount transport retries before an operation fails with RETRY_EXC_ERR
 * @param ackTimeout how long a request may go unacknowledged before a transport retry
 * @param leakDetection how forgotten resources are tracked
 * @param properties provider-specific settings
 */
public record RdmaOptions(String provider, String device, int port, int gidIndex, PollMode pollMode,
                          int sendQueueDepth, int receiveQueueDepth, int completionQueueSize,
                          long poolChunkSize, long grantBudget, Duration maxLease,
                          Duration operationTimeout, Duration connectTimeout, int rnrRetry,
                          Duration rnrDelay, int retryCount, Duration ackTimeout,
                          LeakDetection leakDetection, Map<String, String> properties) {

    /** Validates every field; a bad value names itself. */
    public RdmaOptions {
        Objects.requireNonNull(provider, "provider");
        provider = provider.trim().toLowerCase(Locale.ROOT);
        if (provider.isEmpty()) {
            throw new IllegalArgumentException("provider must not be empty (use auto, tcp or verbs)");
        }
        Objects.requireNonNull(pollMode, "pollMode");
        Objects.requireNonNull(leakDetection, "leakDetection");
        positive("port", port);
        if (gidIndex < -1) {
            throw new IllegalArgumentException("gidIndex must be -1 (choose) or >= 0, was " + gidIndex);
        }
        positive("sendQueueDepth", sendQueueDepth);
        positive("receiveQueueDepth", receiveQueueDepth);
        if (completionQueueSize < sendQueueDepth + receiveQueueDepth) {
            throw new IllegalArgumentException("completionQueueSize (" + completionQueueSize
                    + ") must hold one connection's queues (" + (sendQueueDepth + receiveQueueDepth) + ")");
        }
        if (poolChunkSize < 4096 || Long.bitCount(poolChunkSize) != 1) {
            throw new IllegalArgumentException("poolChunkSize must be a power of two >= 4096, was " + poolChunkSize);
        }
        if (grantBudget < 0) {
            throw new IllegalArgumentException("grantBudget must be >= 0, was " + grantBudget);
        }
        positive("maxLease", maxLease);
        positive("operationTimeout", operationTimeout);
        positive("connectTimeout", connectTimeout);
        if (rnrRetry < 0 || rnrRetry > 7) {
            throw new IllegalArgumentException("rnrRetry must be 0..7 (7 = forever), was " + rnrRetry);
        }
        positive("rnrDelay", rnrDelay);
        if (retryCount < 0 || retryCount > 7) {
            throw new IllegalArgumentException("retryCount must be 0..7, was " + retryCount);
        }
        positive("ackTimeout", ackTimeout);
        properties = Map.copyOf(properties);
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    /** The defaults, with system properties and {@code RDMA4J_PROVIDER} applied. */
    public static RdmaOptions defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.provider = provider;
        b.device = device;
        b.port = port;
        b.gidIndex = gidIndex;
        b.pollMode = pollMode;
        b.sendQueueDepth = sendQueueDepth;
        b.receiveQueueDepth = receiveQueueDepth;
        b.completionQueueSize = completionQueueSize;
        b.poolChunkSize = poolChunkSize;
        b.grantBudget = grantBudget;
        b.maxLease = maxLease;
        b.operationTimeout = operationTimeout;
        b.connectTimeout = connectTimeout;
        b.rnrRetry = rnrRetry;
        b.rnrDelay = rnrDelay;
        b.retryCount = retryCount;
        b.ackTimeout = ackTimeout;
        b.leakDetection = leakDetection;
        b.properties = properties;
        return b;
    }

    /** Builds {@link RdmaOptions}; unset fields keep their defaults. */
    public static final class Builder {
        private String provider = defaultProvider();
        private String device = System.getProperty("rdma4j.device");
        private int port = Integer.getInteger("rdma4j.port", 1);
        private int gidIndex = Integer.getInteger("rdma4j.gidIndex", -1);
        private PollMode pollMode = PollMode.valueOf(System.getProperty("rdma4j.pollMode", "ADAPTIVE").toUpperCase(Locale.ROOT));
        private int sendQueueDepth = Integer.getInteger("rdma4j.sendQueueDepth", 128);
        private int receiveQueueDepth = Integer.getInteger("rdma4j.receiveQueueDepth", 128);
        private int completionQueueSize = Integer.getInteger("rdma4j.completionQueueSize", 8192);
        private long poolChunkSize = Long.getLong("rdma4j.poolChunkSize", 4L << 20);
        private long grantBudget = Long.getLong("rdma4j.grantBudget", 64L << 20);
        private Duration maxLease = Duration.ofHours(1);
        private Duration operationTimeout = Duration.ofSeconds(Long.getLong("rdma4j.operationTimeoutSeconds", 30));
        private Duration connectTimeout = Duration.ofSeconds(Long.getLong("rdma4j.connectTimeoutSeconds", 10));
        private int rnrRetry = 7;
        private Duration rnrDelay = Duration.ofMillis(1);
        private int retryCount = 7;
        private Duration ackTimeout = Duration.ofSeconds(4);
        private LeakDetection leakDetection = LeakDetection.valueOf(System.getProperty("rdma4j.leakDetection", "SIMPLE").toUpperCase(Locale.ROOT));
        private Map<String, String> properties = Map.of();

        private Builder() {}

        private static String defaultProvider() {
            String p = System.getProperty("rdma4j.provider");
            if (p == null || p.isBlank()) {
                p = System.getenv("RDMA4J_PROVIDER");
            }
            return p == null || p.isBlank() ? "auto" : p;
        }

        /** @param v provider name, see {@link RdmaOptions#provider()} @return this */
        public Builder provider(String v) { provider = v; return this; }
        /** @param v device name or null @return this */
        public Builder device(String v) { device = v; return this; }
        /** @param v port, 1-based @return this */
        public Builder port(int v) { port = v; return this; }
        /** @param v GID index or -1 @return this */
        public Builder gidIndex(int v) { gidIndex = v; return this; }
        /** @param v poll mode @return this */
        public Builder pollMode(PollMode v) { pollMode = v; return this; }
        /** @param v send queue depth @return this */
        public Builder sendQueueDepth(int v) { sendQueueDepth = v; return this; }
        /** @param v receive queue depth @return this */
        public Builder receiveQueueDepth(int v) { receiveQueueDepth = v; return this; }
        /** @param v completion queue size @return this */
        public Builder completionQueueSize(int v) { completionQueueSize = v; return this; }
        /** @param v pool chunk size, a power of two @return this */
        public Builder poolChunkSize(long v) { poolChunkSize = v; return this; }
        /** @param v bytes a peer may request per connection @return this */
        public Builder grantBudget(long v) { grantBudget = v; return this; }
        /** @param v longest lease granted on request @return this */
        public Builder maxLease(Duration v) { maxLease = v; return this; }
        /** @param v blocking-call timeout @return this */
        public Builder operationTimeout(Duration v) { operationTimeout = v; return this; }
        /** @param v connect/accept timeout @return this */
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        /** @param v receiver-not-ready retries, 7 = forever @return this */
        public Builder rnrRetry(int v) { rnrRetry = v; return this; }
        /** @param v wait between receiver-not-ready retries @return this */
        public Builder rnrDelay(Duration v) { rnrDelay = v; return this; }
        /** @param v transport retries @return this */
        public Builder retryCount(int v) { retryCount = v; return this; }
        /** @param v acknowledgement timeout @return this */
        public Builder ackTimeout(Duration v) { ackTimeout = v; return this; }
        /** @param v leak detection level @return this */
        public Builder leakDetection(LeakDetection v) { leakDetection = v; return this; }
        /** @param v provider-specific settings @return this */
        public Builder properties(Map<String, String> v) { properties = v; return this; }

        /** @return validated options */
        public RdmaOptions build() {
            return new RdmaOptions(provider, device, port, gidIndex, pollMode, sendQueueDepth,
                    receiveQueueDepth, completionQueueSize, poolChunkSize, grantBudget, maxLease,
                    operationTimeout, connectTimeout, rnrRetry, rnrDelay, retryCount, ackTimeout,
                    leakDetection, properties);
        }
    }
}

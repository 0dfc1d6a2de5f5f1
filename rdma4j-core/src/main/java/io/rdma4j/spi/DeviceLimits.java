package io.rdma4j.spi;

/**
 * Limits of a device that the core must respect when it sizes queues and requests.
 *
 * @param maxCompletionQueueEntries the largest completion queue
 * @param maxQueuePairWorkRequests the deepest send or receive queue
 * @param maxMessageSize the largest single work request in bytes
 * @param maxControlMessageSize the largest control message {@link ProviderEndpoint#sendControl} carries
 */
public record DeviceLimits(int maxCompletionQueueEntries, int maxQueuePairWorkRequests,
                           long maxMessageSize, int maxControlMessageSize) {}

package io.rdma4j;

/** How hard rdma4j looks for native resources that were never closed (like Netty's levels). */
public enum LeakDetection {
    /** No tracking. */
    DISABLED,
    /** A forgotten resource is freed by its cleaner and reported, without its allocation site. */
    SIMPLE,
    /** Every resource records its allocation site, reported when it leaks (for tests). */
    PARANOID
}

/**
 * Layer 1: every restricted FFM call of rdma4j lives in this module's single package,
 * so {@code --enable-native-access=io.rdma4j.ffi} names exactly the code that may touch
 * native memory unchecked. Exported only to rdma4j's own modules.
 */
module io.rdma4j.ffi {
    exports io.rdma4j.ffi to io.rdma4j, io.rdma4j.verbs;
}

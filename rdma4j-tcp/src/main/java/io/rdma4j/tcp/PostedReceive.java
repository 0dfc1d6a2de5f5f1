package io.rdma4j.tcp;

/** A posted receive: where the next SEND's payload goes. Reused in a ring. */
final class PostedReceive {
    long wrId;
    TcpRegistration local;
    long offset;
    int length;
}

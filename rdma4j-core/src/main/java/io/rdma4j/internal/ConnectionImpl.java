package io.rdma4j.internal;

import io.rdma4j.Access;
import io.rdma4j.Batch;
import io.rdma4j.Connection;
import io.rdma4j.ConnectionStats;
import io.rdma4j.Grant;
import io.rdma4j.LocalSlice;
import io.rdma4j.OperationHandler;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import io.rdma4j.RemoteSlice;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The connection handle users hold; everything lives in its {@link ConnectionState}, which the
 * provider and the pollers reference instead. Holds its context's handle, so the context is not
 * reported while one of its connections is in use.
 */
final class ConnectionImpl implements Connection {
    final ConnectionState state;
    /** Only to keep the context's handle reachable while this one is. */
    private final ContextImpl context;

    ConnectionImpl(ContextImpl context, ConnectionState state) {
        this.context = context;
        this.state = state;
    }

    @Override
    public InetSocketAddress localAddress() {
        return state.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return state.remoteAddress();
    }

    @Override
    public boolean isOpen() {
        return state.isOpen();
    }

    @Override
    public ConnectionStats stats() {
        return state.stats();
    }

    @Override
    public void write(LocalSlice src, RemoteSlice dst) {
        state.write(src, dst);
    }

    @Override
    public CompletableFuture<Void> writeAsync(LocalSlice src, RemoteSlice dst) {
        return state.writeAsync(src, dst);
    }

    @Override
    public void writeWithImm(LocalSlice src, RemoteSlice dst, int immediate) {
        state.writeWithImm(src, dst, immediate);
    }

    @Override
    public CompletableFuture<Void> writeWithImmAsync(LocalSlice src, RemoteSlice dst, int immediate) {
        return state.writeWithImmAsync(src, dst, immediate);
    }

    @Override
    public void read(LocalSlice dst, RemoteSlice src) {
        state.read(dst, src);
    }

    @Override
    public CompletableFuture<Void> readAsync(LocalSlice dst, RemoteSlice src) {
        return state.readAsync(dst, src);
    }

    @Override
    public long fetchAndAdd(RemoteSlice target, long add) {
        return state.fetchAndAdd(target, add);
    }

    @Override
    public CompletableFuture<Long> fetchAndAddAsync(RemoteSlice target, long add) {
        return state.fetchAndAddAsync(target, add);
    }

    @Override
    public long compareAndSwap(RemoteSlice target, long expect, long swap) {
        return state.compareAndSwap(target, expect, swap);
    }

    @Override
    public CompletableFuture<Long> compareAndSwapAsync(RemoteSlice target, long expect, long swap) {
        return state.compareAndSwapAsync(target, expect, swap);
    }

    @Override
    public void send(LocalSlice src) {
        state.send(src);
    }

    @Override
    public CompletableFuture<Void> sendAsync(LocalSlice src) {
        return state.sendAsync(src);
    }

    @Override
    public void sendWithImm(LocalSlice src, int immediate) {
        state.sendWithImm(src, immediate);
    }

    @Override
    public CompletableFuture<Void> sendWithImmAsync(LocalSlice src, int immediate) {
        return state.sendWithImmAsync(src, immediate);
    }

    @Override
    public Received receive(LocalSlice dst) {
        return state.receive(dst);
    }

    @Override
    public CompletableFuture<Received> receiveAsync(LocalSlice dst) {
        return state.receiveAsync(dst);
    }

    @Override
    public <T> T await(CompletableFuture<T> f) {
        return state.await(f);
    }

    @Override
    public <A> void writeAsync(LocalSlice src, RemoteSlice dst, A attachment, OperationHandler<? super A> handler) {
        state.writeAsync(src, dst, attachment, handler);
    }

    @Override
    public <A> void writeWithImmAsync(LocalSlice src, RemoteSlice dst, int immediate, A attachment,
                                      OperationHandler<? super A> handler) {
        state.writeWithImmAsync(src, dst, immediate, attachment, handler);
    }

    @Override
    public <A> void readAsync(LocalSlice dst, RemoteSlice src, A attachment, OperationHandler<? super A> handler) {
        state.readAsync(dst, src, attachment, handler);
    }

    @Override
    public <A> void fetchAndAddAsync(RemoteSlice target, long add, A attachment, OperationHandler<? super A> handler) {
        state.fetchAndAddAsync(target, add, attachment, handler);
    }

    @Override
    public <A> void compareAndSwapAsync(RemoteSlice target, long expect, long swap, A attachment,
                                        OperationHandler<? super A> handler) {
        state.compareAndSwapAsync(target, expect, swap, attachment, handler);
    }

    @Override
    public <A> void sendAsync(LocalSlice src, A attachment, OperationHandler<? super A> handler) {
        state.sendAsync(src, attachment, handler);
    }

    @Override
    public <A> void sendWithImmAsync(LocalSlice src, int immediate, A attachment, OperationHandler<? super A> handler) {
        state.sendWithImmAsync(src, immediate, attachment, handler);
    }

    @Override
    public Batch batch() {
        return new BatchImpl(this);
    }

    @Override
    public Grant grant(LocalSlice region, Access access, Duration lease) {
        return new GrantImpl(state.grant(region, access, lease), region);
    }

    @Override
    public RemoteMr acceptGrant() {
        return state.acceptGrant();
    }

    @Override
    public CompletableFuture<RemoteMr> acceptGrantAsync() {
        return state.acceptGrantAsync();
    }

    @Override
    public RemoteMr requestRemote(long size, Access access, Duration lease) {
        return state.requestRemote(size, access, lease);
    }

    @Override
    public CompletableFuture<RemoteMr> requestRemoteAsync(long size, Access access, Duration lease) {
        return state.requestRemoteAsync(size, access, lease);
    }

    @Override
    public void release(RemoteMr remote) {
        state.release(remote);
    }

    @Override
    public void close() {
        state.close();
    }

    @Override
    public String toString() {
        return state.toString();
    }
}

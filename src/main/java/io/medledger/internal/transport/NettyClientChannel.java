package io.medledger.internal.transport;

import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.node.ClientChannel;
import io.medledger.node.PeerAddress;
import io.medledger.node.TlsIdentity;
import io.medledger.node.TransportException;
import io.medledger.node.TransportLimits;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client side of the request channel: one TLS 1.3 connection to a node whose certificate must
 * be bound to {@code expectedNodeKey}; requests are matched to responses by id, several in flight.
 * At most {@link NettyEndpoint#MAX_IN_FLIGHT} requests wait at once (more fail at once); a
 * request whose future is completed by the caller (cancelled, or timed out with
 * {@link CompletableFuture#orTimeout}) stops waiting and frees its place, and its late answer is
 * dropped. Thread-safe.
 */
public final class NettyClientChannel implements ClientChannel {
  private final EventLoopGroup group;
  private final Channel channel;
  private final TransportLimits limits;
  private final Map<Long, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile ChannelHandlerContext ctx;

  /**
   * Connects and completes the TLS and version handshakes.
   *
   * @throws TransportException if the node cannot be reached, is not {@code expectedNodeKey}, or
   *     refuses this client
   */
  public NettyClientChannel(PeerAddress node, Ed25519PublicKey expectedNodeKey, TlsIdentity identity,
      TransportLimits limits) {
    this(node, expectedNodeKey, identity, limits, SocketIo.get());
  }

  /** As the public constructor, over the socket layer {@code sockets}. */
  NettyClientChannel(PeerAddress node, Ed25519PublicKey expectedNodeKey, TlsIdentity identity,
      TransportLimits limits, SocketIo sockets) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(sockets, "sockets");
    Objects.requireNonNull(expectedNodeKey, "expectedNodeKey");
    this.limits = Objects.requireNonNull(limits, "limits");
    if (node.port() == 0) {
      throw new IllegalArgumentException("cannot connect to port 0");
    }
    TlsEngines tls = new TlsEngines(LedgerCertificates.issue(identity, System.currentTimeMillis(), 30,
        new SecureRandom()), expectedNodeKey::equals);
    group = new MultiThreadIoEventLoopGroup(1, (ThreadFactory) r -> {
      Thread t = new Thread(r, "medledger-client-" + expectedNodeKey.toHex().substring(0, 8));
      t.setDaemon(true);
      return t;
    }, sockets.handlers());
    CompletableFuture<Void> handshake = new CompletableFuture<>();
    Framed.Handler h = new Framed.Handler(Framed.CLIENT_CHANNEL, expectedNodeKey::equals) {
      @Override
      void onReady(ChannelHandlerContext c) {
        ctx = c;
        handshake.complete(null);
      }

      @Override
      void refused(String why) {
        handshake.completeExceptionally(new TransportException("the node at " + node + " refused or failed the handshake: "
            + why));
      }

      @Override
      void onFrame(ChannelHandlerContext c, byte[] frame) {
        if (frame.length < 9) {
          c.close();
          return;
        }
        CompletableFuture<byte[]> f = pending.remove(Framed.id(frame));
        if (f == null) {
          return;
        }
        if (frame[8] == 0) {
          f.complete(Arrays.copyOfRange(frame, 9, frame.length));
        } else {
          f.completeExceptionally(new TransportException("the node answered with an error"));
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext c) throws Exception {
        handshake.completeExceptionally(new TransportException("the connection to " + node + " closed"));
        failAll();
        super.channelInactive(c);
        // the connection is over whoever ended it: its thread ends too, even if close() is never called
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
    };
    try {
      channel = new Bootstrap().group(group).channel(sockets.socket())
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, limits.handshakeTimeout().toMillis()))
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              Framed.pipeline(ch, tls.client(node.host(), node.port()), limits, h);
            }
          })
          .connect(node.host(), node.port()).syncUninterruptibly().channel();
      handshake.get(limits.handshakeTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      Throwable c = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
      if (c instanceof TransportException te) {
        throw te;
      }
      // the reason in words: a Throwable's toString leads with the transport library's class name
      String why = c instanceof java.util.concurrent.TimeoutException
          ? "no TLS handshake within " + limits.handshakeTimeout().toMillis() + " ms"
          : c.getMessage() != null ? c.getMessage() : "connection failed";
      throw new TransportException("cannot connect to " + node + ": " + why, c);
    }
  }

  private void failAll() {
    for (Long id : pending.keySet()) {
      CompletableFuture<byte[]> f = pending.remove(id);
      if (f != null) {
        f.completeExceptionally(new TransportException("the connection closed"));
      }
    }
  }

  @Override
  public CompletableFuture<byte[]> request(byte[] request) {
    Objects.requireNonNull(request, "request");
    ChannelHandlerContext c = ctx;
    if (c == null || !channel.isActive()) {
      return CompletableFuture.failedFuture(new TransportException("the channel is closed"));
    }
    if (request.length + 8 > limits.maxFrameBytes()) {
      return CompletableFuture.failedFuture(new TransportException("request of " + request.length
          + " bytes exceeds the frame cap"));
    }
    if (pending.size() >= NettyEndpoint.MAX_IN_FLIGHT) {
      return CompletableFuture.failedFuture(new TransportException("too many requests in flight"));
    }
    long id = ids.incrementAndGet();
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    pending.put(id, f);
    f.whenComplete((r, e) -> pending.remove(id, f));
    Framed.write(c, Framed.frame(id, new byte[0], request));
    if (!channel.isActive()) {
      failAll();
    }
    return f;
  }

  /** Requests waiting for their answer. */
  int waiting() {
    return pending.size();
  }

  /** Stops or resumes reading the node's responses (for tests of a client that does not read). */
  void reading(boolean on) {
    channel.config().setAutoRead(on);
  }

  @Override
  public boolean isOpen() {
    return channel.isActive();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    failAll();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}

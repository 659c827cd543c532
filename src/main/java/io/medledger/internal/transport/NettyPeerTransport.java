package io.medledger.internal.transport;

import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.node.FrameReceiver;
import io.medledger.node.PeerAddress;
import io.medledger.node.PeerTransport;
import io.medledger.node.TransportConfig;
import io.medledger.node.TransportException;
import io.medledger.node.TransportLimits;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;

/**
 * The Netty implementation of a TLS 1.3 peer transport (see {@code io.medledger.node.TlsPeerTransport}).
 * Of two peers, the one with the smaller key (in hex order) dials and re-dials with exponential
 * backoff; both accept. A newer authenticated connection of a key replaces an older one.
 *
 * <p>Per connection: TLS 1.3 with client authentication by ledger-key certificates
 * ({@link TlsEngines}), a handshake deadline, the {@link FrameCodec.Hello} version handshake,
 * length-prefixed frames checked against the cap before allocation, a reader idle timeout with
 * keep-alives, inbound byte and frame rates enforced by pausing reads (token buckets), inbound
 * memory bounded by pausing reads while the receiver has not taken a peer's frames, and a bounded
 * outbound queue. Frames are handed to the receiver on one delivery thread, in order per peer.
 * Accepted connections still in their handshake are bounded per remote address and in all, and
 * so is the rate at which one address begins them ({@link HandshakeGate}); the configured peers'
 * addresses have slots of their own, so strangers cannot keep the members out.
 *
 * <p>Thread-safe.
 */
public final class NettyPeerTransport implements PeerTransport {
  private static final System.Logger LOG = System.getLogger(NettyPeerTransport.class.getName());

  private final Ed25519PublicKey self;
  private final String selfHex;
  private final TransportLimits limits;
  private final FrameCodec.Hello hello;
  private final TlsEngines tls;
  private final SocketIo sockets;
  private final EventLoopGroup group;
  private final ExecutorService delivery;
  private final Channel server;
  /** Every connection still open, accepted or dialled, closed by {@link #close} before the event loop stops. */
  private final OpenChannels connections = new OpenChannels();
  private final Map<Ed25519PublicKey, Link> links = new ConcurrentHashMap<>();
  private volatile Map<Ed25519PublicKey, PeerAddress> allowed;
  private volatile FrameReceiver receiver;
  private volatile boolean closed;
  private final AtomicLong refused = new AtomicLong();
  private final HandshakeGate gate = new HandshakeGate();
  private final AtomicLong violations = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failedDials = new AtomicLong();

  /** One allowed peer: its address, its current authenticated channel, queues and reconnect state. */
  private final class Link {
    final Ed25519PublicKey key;
    volatile PeerAddress address;
    volatile Channel channel;
    final AtomicLong outbound = new AtomicLong();
    final AtomicLong inbound = new AtomicLong();
    int attempts;
    ScheduledFuture<?> reconnect;
    boolean dialing;

    Link(Ed25519PublicKey key, PeerAddress address) {
      this.key = key;
      this.address = address;
    }

    boolean dialer() {
      return selfHex.compareTo(key.toHex()) < 0;
    }
  }

  /**
   * Starts listening on {@code config.listen()} and dialling the configured peers.
   *
   * @throws TransportException if the address cannot be bound
   */
  public NettyPeerTransport(TransportConfig config) {
    this(config, SocketIo.get());
  }

  /** As {@link #NettyPeerTransport(TransportConfig)}, over the socket layer {@code sockets}. */
  NettyPeerTransport(TransportConfig config, SocketIo sockets) {
    Objects.requireNonNull(config, "config");
    this.sockets = Objects.requireNonNull(sockets, "sockets");
    this.self = config.identity().ledgerKey();
    this.selfHex = self.toHex();
    this.limits = config.limits();
    this.hello = FrameCodec.Hello.of(config.chainId());
    LedgerCertificates.Credential cred =
        LedgerCertificates.issue(config.identity(), System.currentTimeMillis(), 30, new SecureRandom());
    this.tls = new TlsEngines(cred, k -> !closed && allowed.containsKey(k));
    this.allowed = withoutSelf(config.peers());
    String tag = selfHex.substring(0, 8);
    this.group = new MultiThreadIoEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> daemon(r, "medledger-net-" + tag), sockets.handlers());
    this.delivery = Executors.newSingleThreadExecutor(r -> daemon(r, "medledger-deliver-" + tag));
    try {
      ServerBootstrap b = new ServerBootstrap().group(group).channel(sockets.server())
          .handler(connections.acceptor())
          .option(ChannelOption.SO_BACKLOG, 128)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              pipeline(ch, null);
            }
          });
      this.server = b.bind(config.listen().host(), config.listen().port()).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      shutdownThreads();
      throw new TransportException("cannot listen on " + config.listen() + ": " + e.getMessage(), e);
    }
    for (Map.Entry<Ed25519PublicKey, PeerAddress> e : allowed.entrySet()) {
      Link l = new Link(e.getKey(), e.getValue());
      links.put(e.getKey(), l);
    }
    group.next().execute(() -> links.values().forEach(this::dialIfDue));
    resolveMembers(allowed.values());
  }

  /** The last resolution of the peers' hosts asked for, and the last one handed to the gate. */
  private long membersAsked;
  private long membersApplied;

  /**
   * Resolves the peers' hosts on a thread of its own (a name may wait on DNS) and hands their
   * addresses to the handshake gate as members'; a resolution overtaken by a later one is dropped.
   */
  private void resolveMembers(java.util.Collection<PeerAddress> peers) {
    long asked;
    synchronized (this) {
      asked = ++membersAsked;
    }
    List<String> hosts = peers.stream().map(PeerAddress::host).distinct().toList();
    Thread t = daemon(() -> {
      java.util.Set<java.net.InetAddress> found = new java.util.HashSet<>();
      for (String h : hosts) {
        try {
          found.addAll(java.util.Arrays.asList(java.net.InetAddress.getAllByName(h)));
        } catch (java.net.UnknownHostException e) {
          LOG.log(System.Logger.Level.DEBUG, () -> "peer host " + h + " does not resolve; its handshakes share the others' slots");
        }
      }
      synchronized (this) {
        if (asked > membersApplied) {
          membersApplied = asked;
          gate.members(found);
        }
      }
    }, "medledger-resolve-" + selfHex.substring(0, 8));
    t.start();
  }

  /** Whether the handshake gate counts {@code address} as a member's (tests). */
  boolean memberAddress(java.net.InetAddress address) {
    return gate.member(address);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private WriteBufferWaterMark waterMark() {
    int high = (int) Math.min(Integer.MAX_VALUE, Math.max(64 << 10, limits.outboundQueueBytes() / 2));
    return new WriteBufferWaterMark(Math.max(32 << 10, high / 2), high);
  }

  private Map<Ed25519PublicKey, PeerAddress> withoutSelf(Map<Ed25519PublicKey, PeerAddress> peers) {
    Map<Ed25519PublicKey, PeerAddress> m = new HashMap<>(peers);
    m.remove(self);
    return Map.copyOf(m);
  }

  /** The address the server socket is bound to. */
  public PeerAddress boundAddress() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    return new PeerAddress(a.getAddress().getHostAddress(), a.getPort());
  }

  /** The listening channel (for tests that act on its event loop). */
  Channel listening() {
    return server;
  }

  /** Connections open now, accepted or dialled, in their handshake or linked. */
  int openConnections() {
    return connections.size();
  }

  /** Connections refused at the TLS or version handshake so far. */
  public long refusedConnections() {
    return refused.get();
  }

  /** Connections closed for a protocol violation (oversized frame, bad hello, garbage) so far. */
  public long protocolViolations() {
    return violations.get();
  }

  /** Dials whose connection attempt failed, so far (for tests). */
  long failedDials() {
    return failedDials.get();
  }

  /** Frames not sent because the peer was unconnected, its queue full, or the frame too large. */
  public long droppedFrames() {
    return dropped.get();
  }

  @Override
  public Ed25519PublicKey self() {
    return self;
  }

  @Override
  public boolean send(Ed25519PublicKey to, byte[] frame) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(frame, "frame");
    Link l = links.get(to);
    Channel ch = l == null ? null : l.channel;
    if (closed || ch == null || !ch.isActive() || frame.length > limits.maxFrameBytes()) {
      dropped.incrementAndGet();
      return false;
    }
    long size = frame.length + FrameCodec.PREFIX;
    if (l.outbound.addAndGet(size) > limits.outboundQueueBytes()) {
      l.outbound.addAndGet(-size);
      dropped.incrementAndGet();
      return false;
    }
    ByteBuf buf = Unpooled.wrappedBuffer(FrameCodec.prefix(frame.length), frame);
    ch.writeAndFlush(buf).addListener(f -> l.outbound.addAndGet(-size));
    return true;
  }

  @Override
  public void setReceiver(FrameReceiver receiver) {
    this.receiver = receiver;
  }

  @Override
  public void updatePeers(Map<Ed25519PublicKey, PeerAddress> peers) {
    Map<Ed25519PublicKey, PeerAddress> next = withoutSelf(Objects.requireNonNull(peers, "peers"));
    resolveMembers(next.values());
    group.next().execute(() -> {
      allowed = next;
      for (Link l : List.copyOf(links.values())) {
        if (!next.containsKey(l.key)) {
          links.remove(l.key);
          if (l.reconnect != null) {
            l.reconnect.cancel(false);
          }
          Channel ch = l.channel;
          l.channel = null;
          if (ch != null) {
            ch.close();
          }
        }
      }
      for (Map.Entry<Ed25519PublicKey, PeerAddress> e : next.entrySet()) {
        Link l = links.computeIfAbsent(e.getKey(), k -> new Link(k, e.getValue()));
        l.address = e.getValue();
        dialIfDue(l);
      }
    });
  }

  @Override
  public Set<Ed25519PublicKey> connectedPeers() {
    Set<Ed25519PublicKey> out = new HashSet<>();
    for (Link l : links.values()) {
      Channel ch = l.channel;
      if (ch != null && ch.isActive()) {
        out.add(l.key);
      }
    }
    return Set.copyOf(out);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    // every connection, a link's or one still in its handshake, accepted or dialled
    connections.closeAll(OpenChannels.CLOSE_WAIT_MILLIS);
    shutdownThreads();
  }

  private void shutdownThreads() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    delivery.shutdownNow();
  }

  // ---------------------------------------------------------------- dialling

  /** On the event loop: dials {@code l} if this side dials it and it is neither connected nor being dialled. */
  private void dialIfDue(Link l) {
    if (closed || !l.dialer() || l.dialing || l.channel != null || links.get(l.key) != l
        || (l.reconnect != null && !l.reconnect.isDone())) {
      return;
    }
    PeerAddress a = l.address;
    if (a.port() == 0) {
      return;
    }
    l.dialing = true;
    new Bootstrap().group(group).channel(sockets.socket())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, limits.handshakeTimeout().toMillis()))
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            pipeline(ch, l);
          }
        })
        .connect(a.host(), a.port())
        .addListener((ChannelFutureListener) f -> {
          if (!f.isSuccess()) {
            failedDials.incrementAndGet();
            l.dialing = false;
            scheduleReconnect(l);
          } else {
            f.channel().closeFuture().addListener(c -> {
              l.dialing = false;
              scheduleReconnect(l);
            });
          }
        });
  }

  private void scheduleReconnect(Link l) {
    if (closed || links.get(l.key) != l || !l.dialer()) {
      return;
    }
    long min = limits.reconnectMin().toMillis();
    long delay = Math.min(limits.reconnectMax().toMillis(), min << Math.min(l.attempts, 20));
    delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    l.attempts++;
    try {
      l.reconnect = group.next().schedule(() -> {
        l.reconnect = null;
        dialIfDue(l);
      }, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  // ---------------------------------------------------------------- pipeline

  private void pipeline(SocketChannel ch, Link dialled) {
    connections.add(ch);
    SSLEngine engine = dialled == null ? tls.server() : tls.client(dialled.address.host(), dialled.address.port());
    Framed.pipeline(ch, engine, limits, new PeerHandler(dialled), dialled == null ? gate : null);
  }

  /** Splits the decrypted stream into frames; the cap is checked on the prefix before allocating. */
  static final class Deframer extends ByteToMessageDecoder {
    private final int max;

    Deframer(int max) {
      this.max = max;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      while (in.readableBytes() >= FrameCodec.PREFIX) {
        int i = in.readerIndex();
        int n = FrameCodec.frameLength(in.getByte(i), in.getByte(i + 1), in.getByte(i + 2), in.getByte(i + 3), max);
        if (in.readableBytes() < FrameCodec.PREFIX + n) {
          return;
        }
        in.skipBytes(FrameCodec.PREFIX);
        byte[] frame = new byte[n];
        in.readBytes(frame);
        out.add(frame);
      }
    }
  }

  private final class PeerHandler extends Framed.Handler {
    private Link link;
    private final InboundRate rate = new InboundRate(limits, System.nanoTime());
    private boolean pausedByRate;
    private boolean pausedByMemory;
    private ChannelHandlerContext context;

    PeerHandler(Link dialled) {
      super(hello.chainId(), k -> allowed.containsKey(k) && (dialled == null || dialled.key.equals(k)));
    }

    @Override
    void refused(String why) {
      refused.incrementAndGet();
      LOG.log(Level.DEBUG, () -> "refused a peer connection: " + why);
    }

    @Override
    void violation(String why) {
      violations.incrementAndGet();
      LOG.log(Level.WARNING, "closing the connection of " + (peer == null ? "an unauthenticated peer" : peer.toHex())
          + ": " + why);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      context = ctx;
    }

    @Override
    void onReady(ChannelHandlerContext ctx) {
      Link l = links.get(peer);
      if (l == null) {
        refused("no longer a peer");
        ctx.close();
        return;
      }
      link = l;
      Channel old = l.channel;
      l.channel = ctx.channel();
      l.attempts = 0;
      if (old != null && old != ctx.channel()) {
        old.close();
      }
    }

    @Override
    void onFrame(ChannelHandlerContext ctx, byte[] frame) {
      Link l = link;
      if (l == null) {
        return;
      }
      account(ctx, frame.length);
      FrameReceiver r = receiver;
      Ed25519PublicKey from = peer;
      if (l.inbound.addAndGet(frame.length) > limits.inboundMemoryBytes()) {
        pausedByMemory = true;
        updateAutoRead();
      }
      try {
        delivery.execute(() -> {
          try {
            if (r != null && !closed && l.channel == ctx.channel()) {
              r.onFrame(from, frame);
            }
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the receiver failed on a frame from " + from.toHex(), e);
          } finally {
            long left = l.inbound.addAndGet(-frame.length);
            if (left <= limits.inboundMemoryBytes() / 2) {
              try {
                ctx.channel().eventLoop().execute(this::resumeMemory);
              } catch (RejectedExecutionException e) {
                // the event loop is shutting down: no channel is left to resume
              }
            }
          }
        });
      } catch (RejectedExecutionException e) {
        l.inbound.addAndGet(-frame.length);
      }
    }

    private void resumeMemory() {
      if (pausedByMemory) {
        pausedByMemory = false;
        updateAutoRead();
      }
    }

    private void updateAutoRead() {
      if (context != null) {
        context.channel().config().setAutoRead(!pausedByRate && !pausedByMemory);
      }
    }

    /** Charges the frame to the connection's rate: going below zero pauses reading until the deficit refills. */
    private void account(ChannelHandlerContext ctx, int bytes) {
      if (rate.charge(bytes, System.nanoTime()) && !pausedByRate) {
        pausedByRate = true;
        updateAutoRead();
        scheduleResume(ctx);
      }
    }

    /**
     * Resumes reading once the whole deficit has refilled. Frames already read when the pause began
     * still arrive and deepen the deficit, so the resume re-checks it and waits again if needed.
     */
    private void scheduleResume(ChannelHandlerContext ctx) {
      ctx.executor().schedule(() -> {
        if (rate.inDeficit(System.nanoTime())) {
          scheduleResume(ctx);
        } else {
          pausedByRate = false;
          updateAutoRead();
        }
      }, rate.millisToRefill(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      Link l = link;
      if (l != null && l.channel == ctx.channel()) {
        l.channel = null;
      }
      super.channelInactive(ctx);
    }
  }
}

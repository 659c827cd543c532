package io.medledger.internal.transport;

import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.node.PeerAddress;
import io.medledger.node.RequestHandler;
import io.medledger.node.TlsIdentity;
import io.medledger.node.TransportException;
import io.medledger.node.TransportLimits;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The server side of the client request channel (see {@code io.medledger.node.NodeEndpoint}):
 * TLS 1.3 with client certificates bound to participant keys that {@code authorizer} admits; each
 * request frame is {@code id(8) || request}, each response {@code id(8) || status(1) || body}
 * (status 0: the handler's answer, 1: an error without detail). What one client can make the
 * node hold or do is bounded:
 * <ul>
 *   <li>requests run on one thread of their own, the clients taking turns one request at a time,
 *       each client key within {@link #CLIENT_SHARE_NANOS_PER_SECOND} of that thread's time a
 *       second (see {@code FairTurns});
 *   <li>before a client is known: accepted connections still in their handshake, per remote
 *       address and in all, and the rate at which one address begins them ({@link HandshakeGate});
 *   <li>per client key, at most {@link #MAX_CONNECTIONS_PER_CLIENT} connections, and one inbound
 *       rate shared by all of them ({@code inboundBytesPerSecond}, {@code inboundFramesPerSecond};
 *       reading pauses while it is in deficit), kept across reconnections until it has refilled;
 *   <li>per connection, at most {@link #MAX_IN_FLIGHT} requests in flight (more are answered with
 *       an error at once), those still waiting for the request thread dropped when it closes
 *       ({@link #waitingRequests}); reading pauses while the requests in flight hold more than
 *       {@code inboundMemoryBytes}, or while responses the socket has not taken hold more than
 *       half of {@code outboundQueueBytes}; a response that would take them past
 *       {@code outboundQueueBytes} is replaced by an error ({@link #droppedResponses}).
 * </ul>
 * Thread-safe.
 */
public final class NettyEndpoint implements AutoCloseable {
  /** Requests one connection may have in flight. */
  public static final int MAX_IN_FLIGHT = 8192;
  /** Connections one client key may hold at once; more are refused after the TLS handshake. */
  public static final int MAX_CONNECTIONS_PER_CLIENT = 8;
  /** Time of the request thread one client key may use per second (ns), when others wait or not. */
  public static final long CLIENT_SHARE_NANOS_PER_SECOND = 500_000_000L;
  /** How much of that time one client key may use at once (ns). */
  public static final long CLIENT_SHARE_BURST_NANOS = 1_000_000_000L;
  static final byte[] OK = {0};
  static final byte[] ERROR = {1};
  private static final System.Logger LOG = System.getLogger(NettyEndpoint.class.getName());

  private final EventLoopGroup group;
  private final RequestWorker worker;
  private final HandshakeGate gate = new HandshakeGate();
  private final Channel server;
  /** The accepted connections still open, closed by {@link #close} before the event loop stops. */
  private final OpenChannels connections = new OpenChannels();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  /** Each client key's share; touched only on the endpoint's one event loop. */
  private final ClientShares<Ed25519PublicKey> shares;
  private volatile boolean closed;

  /**
   * Binds {@code listen} and serves requests.
   *
   * @throws TransportException if the address cannot be bound
   */
  public NettyEndpoint(PeerAddress listen, TlsIdentity identity, Predicate<Ed25519PublicKey> authorizer,
      RequestHandler handler, TransportLimits limits) {
    this(listen, identity, authorizer, handler, limits, SocketIo.get());
  }

  /** As the public constructor, over the socket layer {@code sockets}. */
  NettyEndpoint(PeerAddress listen, TlsIdentity identity, Predicate<Ed25519PublicKey> authorizer,
      RequestHandler handler, TransportLimits limits, SocketIo sockets) {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(sockets, "sockets");
    Objects.requireNonNull(authorizer, "authorizer");
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(limits, "limits");
    shares = new ClientShares<>(limits, MAX_CONNECTIONS_PER_CLIENT);
    LedgerCertificates.Credential cred = LedgerCertificates.issue(identity, System.currentTimeMillis(), 30,
        new SecureRandom());
    Predicate<Ed25519PublicKey> admit = k -> !closed && authorizer.test(k);
    TlsEngines tls = new TlsEngines(cred, admit);
    String tag = identity.ledgerKey().toHex().substring(0, 8);
    worker = new RequestWorker("medledger-requests-" + tag, CLIENT_SHARE_NANOS_PER_SECOND, CLIENT_SHARE_BURST_NANOS);
    group = new MultiThreadIoEventLoopGroup(1, (ThreadFactory) r -> {
      Thread t = new Thread(r, "medledger-endpoint-" + tag);
      t.setDaemon(true);
      return t;
    }, sockets.handlers());
    try {
      server = new ServerBootstrap().group(group).channel(sockets.server())
          .handler(connections.acceptor())
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              Framed.pipeline(ch, tls.server(), limits, new Conn(admit, handler, limits), gate);
            }
          })
          .bind(listen.host(), listen.port()).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      worker.close();
      throw new TransportException("cannot listen on " + listen + ": " + e.getMessage(), e);
    }
  }

  /** The bound address. */
  public PeerAddress boundAddress() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    return new PeerAddress(a.getAddress().getHostAddress(), a.getPort());
  }

  /** Connections refused at the handshake since start. */
  public long refusedConnections() {
    return refused.get();
  }

  /**
   * Responses replaced by an error since start, because their connection's queue of responses not
   * yet taken by the socket was full (a client that does not read).
   */
  public long droppedResponses() {
    return dropped.get();
  }

  /** Bytes of responses on all connections that the sockets have not taken yet. */
  public long queuedResponseBytes() {
    return queued.get();
  }

  /**
   * Requests whose answer (the response, or an error in its place) was put in their connection's
   * queue since start, or that needed none because the connection had closed.
   */
  long answeredRequests() {
    return answered.get();
  }

  /** Requests read from connections and waiting for the request thread, over all clients. */
  public int waitingRequests() {
    return worker.waiting();
  }

  /** The listening channel (for tests that act on its event loop). */
  Channel listening() {
    return server;
  }

  /**
   * Stops listening, closes every connection (waiting for them, at most
   * {@link OpenChannels#CLOSE_WAIT_MILLIS}), then stops the event loop and the request thread.
   */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      connections.closeAll(OpenChannels.CLOSE_WAIT_MILLIS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      worker.close();
    }
  }

  private final class Conn extends Framed.Handler {
    private final RequestHandler handler;
    private final TransportLimits limits;
    private ClientShares.Share share;
    private int inFlight;
    private long inFlightBytes;
    private long queuedBytes;
    private boolean pausedByMemory;
    private boolean pausedByOutput;
    private boolean pausedByRate;
    /**
     * Requests read but not yet taken by the request thread: dropped from it when the connection
     * closes, so a client that closes and reopens connections leaves no requests behind beyond
     * what its open connections hold. Added on the event loop, removed on the request thread.
     */
    private final Set<Request> waitingRequests = ConcurrentHashMap.newKeySet();

    Conn(Predicate<Ed25519PublicKey> admit, RequestHandler handler, TransportLimits limits) {
      super(Framed.CLIENT_CHANNEL, admit);
      this.handler = handler;
      this.limits = limits;
    }

    @Override
    String claimSlot(Ed25519PublicKey client) {
      ClientShares.Share s = shares.claim(client, System.nanoTime());
      if (s == null) {
        return "key " + client.toHex() + " already holds " + MAX_CONNECTIONS_PER_CLIENT + " connections";
      }
      share = s;
      return null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (peer != null && !waitingRequests.isEmpty()) {
        worker.cancel(peer, waitingRequests); // nobody takes their answers; their bytes go now
      }
      ClientShares.Share s = share;
      if (s != null) {
        share = null;
        shares.release(peer, s, System.nanoTime()); // one still refilling is kept, so reconnecting does not refill it
      }
      super.channelInactive(ctx);
    }

    @Override
    void onReady(ChannelHandlerContext ctx) {}

    @Override
    void refused(String why) {
      refused.incrementAndGet();
      LOG.log(Level.DEBUG, () -> "refused a client connection: " + why);
    }

    @Override
    void onFrame(ChannelHandlerContext ctx, byte[] frame) {
      long id;
      try {
        id = Framed.id(frame);
      } catch (RuntimeException e) {
        ctx.close();
        return;
      }
      if (share != null && share.rate.charge(frame.length, System.nanoTime()) && !pausedByRate) {
        pausedByRate = true;
        updateAutoRead(ctx);
        resumeWhenRefilled(ctx);
      }
      if (inFlight >= MAX_IN_FLIGHT) {
        send(ctx, id, ERROR, new byte[0]);
        return;
      }
      byte[] request = java.util.Arrays.copyOfRange(frame, 8, frame.length);
      inFlight++;
      inFlightBytes += frame.length;
      if (inFlightBytes > limits.inboundMemoryBytes() && !pausedByMemory) {
        pausedByMemory = true;
        updateAutoRead(ctx);
      }
      Request r = new Request(ctx, peer, id, frame.length, request);
      waitingRequests.add(r);
      worker.submit(peer, r);
    }

    /** One request of this connection, run on the request thread in its client's turn. */
    private final class Request implements Runnable {
      private final ChannelHandlerContext ctx;
      private final Ed25519PublicKey from;
      private final long id;
      private final int size;
      private final byte[] request;

      Request(ChannelHandlerContext ctx, Ed25519PublicKey from, long id, int size, byte[] request) {
        this.ctx = ctx;
        this.from = from;
        this.id = id;
        this.size = size;
        this.request = request;
      }

      @Override
      public void run() {
        waitingRequests.remove(this);
        CompletableFuture<byte[]> f;
        if (!ctx.channel().isActive()) {
          f = CompletableFuture.failedFuture(new IllegalStateException("the client left"));
        } else {
          try {
            f = Objects.requireNonNull(handler.handle(from, request), "handler returned null");
          } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
          }
        }
        f.whenComplete((body, err) -> {
          try {
            ctx.executor().execute(() -> answer(ctx, id, size, body, err));
          } catch (RejectedExecutionException e) {
            // the endpoint is closing: no connection is left to answer
          }
        });
      }
    }

    /** Sends the answer to request {@code id} ({@code size} bytes) and releases what it held. */
    private void answer(ChannelHandlerContext ctx, long id, int size, byte[] body, Throwable err) {
      inFlight--;
      inFlightBytes -= size;
      if (pausedByMemory && inFlightBytes <= limits.inboundMemoryBytes() / 2) {
        pausedByMemory = false;
        updateAutoRead(ctx);
      }
      if (!ctx.channel().isActive()) {
        answered.incrementAndGet();
        return;
      }
      if (err != null || body == null || body.length + 9 > limits.maxFrameBytes()) {
        if (err != null) {
          LOG.log(Level.DEBUG, () -> "request failed: " + err);
        }
        send(ctx, id, ERROR, new byte[0]);
      } else if (queuedBytes + body.length + 9 > limits.outboundQueueBytes()) {
        dropped.incrementAndGet();
        send(ctx, id, ERROR, new byte[0]);
      } else {
        send(ctx, id, OK, body);
      }
      answered.incrementAndGet(); // after the queue counts it
    }

    /** Writes a response frame, counted as queued until the socket has taken it. */
    private void send(ChannelHandlerContext ctx, long id, byte[] status, byte[] body) {
      byte[] out = Framed.frame(id, status, body);
      long n = out.length + FrameCodec.PREFIX;
      queuedBytes += n;
      queued.addAndGet(n);
      if (!pausedByOutput && queuedBytes > limits.outboundQueueBytes() / 2) {
        pausedByOutput = true;
        updateAutoRead(ctx);
      }
      Framed.write(ctx, out).addListener(done -> {
        queuedBytes -= n;
        queued.addAndGet(-n);
        if (pausedByOutput && queuedBytes <= limits.outboundQueueBytes() / 4) {
          pausedByOutput = false;
          updateAutoRead(ctx);
        }
      });
    }

    private void resumeWhenRefilled(ChannelHandlerContext ctx) {
      ctx.executor().schedule(() -> {
        ClientShares.Share s = share;
        if (s != null && s.rate.inDeficit(System.nanoTime())) {
          resumeWhenRefilled(ctx);
        } else {
          pausedByRate = false;
          updateAutoRead(ctx);
        }
      }, share == null ? 1 : share.rate.millisToRefill(), TimeUnit.MILLISECONDS);
    }

    private void updateAutoRead(ChannelHandlerContext ctx) {
      ctx.channel().config().setAutoRead(!pausedByMemory && !pausedByOutput && !pausedByRate);
    }
  }
}

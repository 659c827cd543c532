package io.medledger.internal.transport;

import io.medledger.internal.KeyedCounts;
import io.medledger.internal.PeerBudget;
import io.medledger.tlog.LogResources;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The node's read-only HTTP/1.1 server for {@link LogResources} under {@code /<prefix>/}: GET and
 * HEAD only, {@code text/plain; charset=utf-8} for the checkpoint (cached for at most a few
 * seconds), {@code application/octet-stream} for tiles and bundles (immutable), 404 for anything
 * else. Anyone who can reach the port may use it, so everything a client can make it hold is
 * bounded: {@link #MAX_CONNECTIONS} connections, {@link #MAX_CONNECTIONS_PER_ADDRESS} from one
 * remote address, a request line of {@link #MAX_LINE_BYTES} and headers of
 * {@link #MAX_HEADER_BYTES}, {@link #HEAD_DEADLINE_MILLIS} for a whole request head (so sending it
 * a byte at a time does not hold a connection), {@link #IDLE_MILLIS} between requests, answers
 * not yet taken by the client to {@link #MAX_QUEUED_BYTES} per connection, and
 * {@link #REQUESTS_PER_SECOND} per remote address (429 past it). All of it runs on one event loop
 * of its own, apart from the node's transports.
 *
 * <p>Thread-safe.
 */
public final class TileHttpServer implements AutoCloseable {
  /** Open connections over all addresses. */
  public static final int MAX_CONNECTIONS = 256;
  /** Open connections from one remote address. */
  public static final int MAX_CONNECTIONS_PER_ADDRESS = 16;
  /** Longest request line (method, path, version). */
  static final int MAX_LINE_BYTES = 1024;
  /** Most bytes of a request's headers. */
  static final int MAX_HEADER_BYTES = 8192;
  /** Time from a connection's start, or from its last answer, to a whole request head. */
  public static final long HEAD_DEADLINE_MILLIS = 10_000;
  /** A connection with no request for this long is closed. */
  static final long IDLE_MILLIS = 30_000;
  /** Bytes of answers one connection may have queued that its client has not read; past it, it is closed. */
  static final int MAX_QUEUED_BYTES = 4 << 20;
  /** Requests one remote address may make per second, and at once. */
  public static final int REQUESTS_PER_SECOND = 200;
  /** Addresses whose request budgets are tracked; beyond them, addresses still refilling share one. */
  static final int TRACKED_ADDRESSES = 4096;
  private static final int MAX_PATH = 256;

  private final String prefix;
  private final String root;
  private final LogResources resources;
  private final EventLoopGroup group;
  private final Channel server;
  /** The accepted connections still open, closed by {@link #close} before the event loop stops. */
  private final OpenChannels accepted = new OpenChannels();
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  /** Open connections per remote address. */
  private final KeyedCounts<InetAddress> open = new KeyedCounts<>();
  /** Requests per remote address. Event loop only. */
  private final PeerBudget<InetAddress> requests = new PeerBudget<>(REQUESTS_PER_SECOND, REQUESTS_PER_SECOND,
      TRACKED_ADDRESSES);
  /** Open connections. Event loop only. */
  private int connections;
  /** Connections admitted since start. */
  private final java.util.concurrent.atomic.AtomicLong admitted = new java.util.concurrent.atomic.AtomicLong();
  /** Connections closed at once, past a bound, since start. */
  private final java.util.concurrent.atomic.AtomicLong turnedAway = new java.util.concurrent.atomic.AtomicLong();

  private TileHttpServer(InetSocketAddress bind, String prefix, LogResources resources) {
    this.prefix = prefix;
    this.root = "/" + prefix + "/";
    this.resources = resources;
    SocketIo io = SocketIo.get();
    this.group = new MultiThreadIoEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> {
      Thread t = new Thread(r, "medledger-tiles");
      t.setDaemon(true);
      return t;
    }, io.handlers());
    try {
      this.server = new ServerBootstrap().group(group).channel(io.server())
          .handler(accepted.acceptor())
          .option(ChannelOption.SO_BACKLOG, 128)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 << 10, 256 << 10))
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              accept(ch);
            }
          })
          .bind(bind).syncUninterruptibly().channel();
    } catch (Exception e) { // Netty throws a BindException undeclared
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e instanceof RuntimeException r ? r
          : new java.io.UncheckedIOException(new java.io.IOException("cannot listen on " + bind + ": " + e.getMessage(), e));
    }
  }

  /**
   * Starts serving {@code resources} at {@code bind} (port 0 picks a free port) under
   * {@code /prefix/}.
   *
   * @throws IllegalArgumentException if the prefix is not path segments of {@code [A-Za-z0-9._-]}
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  public static TileHttpServer start(InetSocketAddress bind, String prefix, LogResources resources) {
    if (!prefix.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")) {
      throw new IllegalArgumentException("prefix must be path segments of [A-Za-z0-9._-]");
    }
    return new TileHttpServer(bind, prefix, java.util.Objects.requireNonNull(resources, "resources"));
  }

  /** On the event loop: admits {@code ch} within the bounds, or closes it before anything is read. */
  private void accept(SocketChannel ch) {
    InetAddress from = ch.remoteAddress().getAddress();
    if (connections >= MAX_CONNECTIONS || !open.tryAdd(from, MAX_CONNECTIONS_PER_ADDRESS)) {
      ch.close();
      turnedAway.incrementAndGet();
      return;
    }
    connections++;
    admitted.incrementAndGet();
    ch.closeFuture().addListener(f -> {
      connections--;
      open.remove(from);
    });
    ch.pipeline()
        .addLast("idle", new IdleStateHandler(0, 0, IDLE_MILLIS, TimeUnit.MILLISECONDS))
        .addLast("http", new HttpServerCodec(MAX_LINE_BYTES, MAX_HEADER_BYTES, 8192))
        .addLast("tiles", new Conn(from));
  }

  /** One connection: one request at a time, answered in order. */
  private final class Conn extends SimpleChannelInboundHandler<HttpObject> {
    private final InetAddress from;
    private ScheduledFuture<?> deadline;
    /** The request whose head arrived and whose end has not. */
    private HttpRequest request;
    private long queued;

    Conn(InetAddress from) {
      this.from = from;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      armDeadline(ctx);
      ctx.fireChannelActive();
    }

    private void armDeadline(ChannelHandlerContext ctx) {
      if (deadline != null) {
        deadline.cancel(false);
      }
      deadline = ctx.executor().schedule(() -> {
        ctx.close();
      }, HEAD_DEADLINE_MILLIS, TimeUnit.MILLISECONDS); // a request head sent a byte at a time
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpRequest r) {
        request = null;
        if (!r.decoderResult().isSuccess()) {
          answer(ctx, status(HttpResponseStatus.BAD_REQUEST), false);
        } else if (!r.method().equals(HttpMethod.GET) && !r.method().equals(HttpMethod.HEAD)) {
          FullHttpResponse res = status(HttpResponseStatus.METHOD_NOT_ALLOWED);
          res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
          answer(ctx, res, false);
        } else if (HttpUtil.isTransferEncodingChunked(r) || HttpUtil.getContentLength(r, 0L) > 0) {
          answer(ctx, status(HttpResponseStatus.BAD_REQUEST), false); // GET and HEAD carry no body
        } else {
          request = r;
        }
      }
      if (msg instanceof LastHttpContent && request != null) {
        HttpRequest r = request;
        request = null;
        if (deadline != null) {
          deadline.cancel(false);
        }
        boolean keepAlive = HttpUtil.isKeepAlive(r);
        if (requests.take(from, System.nanoTime() / 1_000_000)) {
          answer(ctx, respond(r), keepAlive);
        } else {
          FullHttpResponse busy = status(HttpResponseStatus.TOO_MANY_REQUESTS);
          busy.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
          answer(ctx, busy, keepAlive);
        }
      }
    }

    private void answer(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
      HttpUtil.setKeepAlive(res, keepAlive);
      long size = res.content().readableBytes();
      if (queued + size > MAX_QUEUED_BYTES) {
        res.release();
        ctx.close(); // a client that asks without reading
        return;
      }
      queued += size;
      var f = ctx.writeAndFlush(res);
      f.addListener(x -> queued -= size);
      if (keepAlive) {
        armDeadline(ctx);
        if (!ctx.channel().isWritable()) {
          ctx.channel().config().setAutoRead(false);
        }
      } else {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(true);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (deadline != null) {
        deadline.cancel(false);
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** The answer to a well-formed GET or HEAD without a body. */
  private FullHttpResponse respond(HttpRequest r) {
    HttpMethod m = r.method();
    String uri = r.uri();
    if (uri.length() > MAX_PATH || uri.indexOf('?') >= 0 || uri.indexOf('#') >= 0 || !uri.startsWith(root)) {
      return status(HttpResponseStatus.NOT_FOUND);
    }
    Optional<LogResources.Resource> found;
    try {
      found = resources.read(uri.substring(root.length()));
    } catch (RuntimeException e) {
      return status(HttpResponseStatus.INTERNAL_SERVER_ERROR);
    }
    if (found.isEmpty()) {
      return status(HttpResponseStatus.NOT_FOUND);
    }
    LogResources.Resource res = found.get();
    boolean checkpoint = res.caching() == LogResources.Caching.MUTABLE;
    byte[] body = res.body();
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        m.equals(HttpMethod.HEAD) ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    out.headers().set(HttpHeaderNames.CONTENT_TYPE, checkpoint ? "text/plain; charset=utf-8" : "application/octet-stream")
        .set(HttpHeaderNames.CACHE_CONTROL, checkpoint ? "no-cache, max-age=2" : "public, max-age=31536000, immutable")
        .set("X-Content-Type-Options", "nosniff")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return out;
  }

  private static FullHttpResponse status(HttpResponseStatus s) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s, Unpooled.EMPTY_BUFFER);
    res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return res;
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Connections admitted since start (a count that tests wait on). */
  public long admittedConnections() {
    return admitted.get();
  }

  /** Connections closed at once since start, past the bound in all or of their address. */
  public long turnedAwayConnections() {
    return turnedAway.get();
  }

  /** The listening channel (for tests that act on its event loop). */
  Channel listening() {
    return server;
  }

  /** The URL prefix path, without slashes. */
  public String prefix() {
    return prefix;
  }

  /**
   * Stops at once: the listening socket and every connection are closed, then the event loop
   * stops. Closing again does nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return; // closed already: its event loop is gone
    }
    server.close().syncUninterruptibly();
    accepted.closeAll(OpenChannels.CLOSE_WAIT_MILLIS);
    group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
  }
}

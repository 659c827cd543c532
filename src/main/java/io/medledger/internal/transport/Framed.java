package io.medledger.internal.transport;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.node.TransportLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;

/**
 * The connection machinery the client request channel shares with the peer transport: a pipeline
 * of TLS (ledger-key certificates), idle timeout with keep-alives, length-prefixed frames with the
 * cap checked before allocation, and a handler that authenticates the peer key after the TLS
 * handshake, exchanges the {@link FrameCodec.Hello}, then hands frames to {@link #onFrame}.
 * Handlers are per connection and run on its event loop.
 */
final class Framed {
  /** The "chain id" of the client request channel's hello (not a chain: a protocol label). */
  static final Digest CLIENT_CHANNEL = Sha256.hash("medledger client channel v1".getBytes(StandardCharsets.UTF_8));

  private Framed() {}

  /** Installs TLS, idle, flush, de-framing and {@code handler} on {@code ch}, with a handshake deadline. */
  static void pipeline(SocketChannel ch, SSLEngine engine, TransportLimits limits, Handler handler) {
    pipeline(ch, engine, limits, handler, null);
  }

  /**
   * As {@link #pipeline(SocketChannel, SSLEngine, TransportLimits, Handler)} for an accepted
   * connection, whose handshake must first pass {@code gate} (when not null): refused, the
   * connection is closed before anything is read.
   */
  static void pipeline(SocketChannel ch, SSLEngine engine, TransportLimits limits, Handler handler, HandshakeGate gate) {
    if (gate != null) {
      java.net.InetAddress from = ch.remoteAddress().getAddress();
      boolean member = gate.member(from);
      String full = gate.enter(from, member, System.nanoTime());
      if (full != null) {
        handler.refused(full);
        ch.close();
        return;
      }
      java.util.concurrent.atomic.AtomicBoolean left = new java.util.concurrent.atomic.AtomicBoolean();
      handler.settled = () -> {
        if (left.compareAndSet(false, true)) {
          gate.leave(from, member);
        }
      };
      ch.closeFuture().addListener(f -> handler.settled.run());
    }
    SslHandler ssl = new SslHandler(engine);
    ssl.setHandshakeTimeoutMillis(limits.handshakeTimeout().toMillis());
    long idle = limits.idleTimeout().toMillis();
    ch.pipeline().addLast("tls", ssl)
        .addLast("idle", new IdleStateHandler(idle, Math.max(1, idle / 3), 0, TimeUnit.MILLISECONDS))
        .addLast("flush", new FlushConsolidationHandler(64, true))
        .addLast("frames", new NettyPeerTransport.Deframer(limits.maxFrameBytes()))
        .addLast("conn", handler);
    ch.eventLoop().schedule(() -> {
      if (!handler.ready && ch.isActive()) {
        handler.refused("no handshake within " + limits.handshakeTimeout());
        ch.close();
      }
    }, limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Writes one frame; the future completes once the socket has taken it, or the write failed. */
  static ChannelFuture write(ChannelHandlerContext ctx, byte[] payload) {
    ByteBuf buf = Unpooled.wrappedBuffer(FrameCodec.prefix(payload.length), payload);
    return ctx.writeAndFlush(buf);
  }

  /** Authenticates, says hello, then passes frames on. */
  abstract static class Handler extends ChannelInboundHandlerAdapter {
    private final FrameCodec.Hello hello;
    private final Predicate<Ed25519PublicKey> accept;
    volatile boolean ready;
    Ed25519PublicKey peer;
    /** Run once the handshake is done (the connection is ready), to release its gate slot. */
    Runnable settled = () -> {};

    Handler(Digest label, Predicate<Ed25519PublicKey> accept) {
      this.hello = FrameCodec.Hello.of(label);
      this.accept = accept;
    }

    /** The peer is authenticated and speaks our version. */
    abstract void onReady(ChannelHandlerContext ctx);

    /** One non-empty frame after the handshake. */
    abstract void onFrame(ChannelHandlerContext ctx, byte[] frame);

    /** The connection was refused before it was ready. */
    abstract void refused(String why);

    /**
     * Called once the authenticated peer is admitted, before the hello: {@code null} lets the
     * connection go on, a reason refuses it. By default every admitted peer goes on.
     */
    String claimSlot(Ed25519PublicKey peer) {
      return null;
    }

    /** The peer broke the wire protocol (bad hello, oversized frame); the connection is closed after this. */
    void violation(String why) {
      refused(why);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof SslHandshakeCompletionEvent e) {
        if (!e.isSuccess()) {
          refused("TLS handshake failed: " + e.cause());
          ctx.close();
          return;
        }
        try {
          peer = TlsEngines.peerKey(((SslHandler) ctx.pipeline().get("tls")).engine().getSession());
        } catch (CertificateException ex) {
          refused(ex.getMessage());
          ctx.close();
          return;
        }
        if (!accept.test(peer)) {
          refused("key " + peer.toHex() + " is not admitted");
          ctx.close();
          return;
        }
        String full = claimSlot(peer);
        if (full != null) {
          refused(full);
          ctx.close();
          return;
        }
        write(ctx, hello.encode());
      } else if (evt instanceof IdleStateEvent idle) {
        if (idle.state() == IdleState.READER_IDLE) {
          ctx.close();
        } else if (idle.state() == IdleState.WRITER_IDLE && ready) {
          ctx.writeAndFlush(Unpooled.wrappedBuffer(FrameCodec.prefix(0)));
        }
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      byte[] frame = (byte[]) msg;
      if (!ready) {
        if (peer == null) {
          refused("a frame before the TLS handshake finished");
          ctx.close();
          return;
        }
        try {
          hello.agree(FrameCodec.Hello.decode(frame));
        } catch (MalformedEncodingException e) {
          violation(e.getMessage());
          ctx.close();
          return;
        }
        ready = true;
        settled.run();
        onReady(ctx);
        return;
      }
      if (frame.length > 0) {
        onFrame(ctx, frame);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Throwable c = cause;
      while (c.getCause() != null && !(c instanceof MalformedEncodingException)) {
        c = c.getCause();
      }
      if (c instanceof MalformedEncodingException) {
        violation(c.getMessage());
      } else if (!ready) {
        refused(String.valueOf(cause));
      }
      ctx.close();
    }
  }

  /** Reads the 8-byte id at the start of a request or response frame. */
  static long id(byte[] frame) {
    if (frame.length < 8) {
      throw new MalformedEncodingException("frame too short for a request id");
    }
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (frame[i] & 0xff);
    }
    return v;
  }

  /** {@code id} (8 bytes), then {@code head} (0 or more bytes), then {@code body}. */
  static byte[] frame(long id, byte[] head, byte[] body) {
    byte[] out = new byte[8 + head.length + body.length];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (id >>> (56 - 8 * i));
    }
    System.arraycopy(head, 0, out, 8, head.length);
    System.arraycopy(body, 0, out, 8 + head.length, body.length);
    return out;
  }
}

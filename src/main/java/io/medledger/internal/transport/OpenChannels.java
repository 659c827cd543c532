package io.medledger.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The connections of one transport that are still open, accepted or dialled, so that closing the
 * transport closes them itself, and waits for them, before it stops its event loop.
 *
 * <p>The event loop's own shutdown is not enough: Netty closes a loop's channels only if the loop
 * sees its shutdown begin right after polling for I/O. A shutdown with quiet period 0 that begins
 * while the loop is still running the tasks of that turn (closing the listening socket queues some)
 * ends the loop at the end of the turn with its connections' sockets never closed: the descriptors
 * leak and the peers never see the connection end. Thread-safe.
 */
final class OpenChannels {
  /**
   * How long closing a transport waits for its connections to close: past the 3 s that TLS gives
   * its goodbye to reach a peer that does not read before it closes the socket anyway.
   */
  static final long CLOSE_WAIT_MILLIS = 4_000;
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();
  private final ChannelHandler acceptor = new Acceptor();

  /** Tracks {@code ch} until it closes. */
  void add(Channel ch) {
    if (open.add(ch)) {
      ch.closeFuture().addListener(f -> open.remove(ch));
    }
  }

  /**
   * A handler for a listening channel's pipeline that tracks each connection it accepts as soon as
   * it is accepted, before it is registered with an event loop.
   */
  ChannelHandler acceptor() {
    return acceptor;
  }

  /** Connections tracked and not yet closed. */
  int size() {
    return open.size();
  }

  /**
   * Closes every tracked connection (through its pipeline, so TLS says goodbye) and waits until
   * each has closed or {@code timeoutMillis} have passed; call it from outside the event loop.
   *
   * @return how many were still open at the deadline
   */
  int closeAll(long timeoutMillis) {
    List<ChannelFuture> closing = new ArrayList<>();
    for (Channel ch : List.copyOf(open)) {
      try {
        closing.add(ch.close());
      } catch (IllegalStateException notRegistered) {
        ch.unsafe().closeForcibly(); // accepted but not yet on an event loop: nothing runs on it yet
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    int left = 0;
    for (ChannelFuture f : closing) {
      long rest = deadline - System.nanoTime();
      if (!f.awaitUninterruptibly(Math.max(0, rest), TimeUnit.NANOSECONDS)) {
        left++;
      }
    }
    return left;
  }

  @ChannelHandler.Sharable
  private final class Acceptor extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Channel child) {
        add(child);
      }
      ctx.fireChannelRead(msg);
    }
  }
}

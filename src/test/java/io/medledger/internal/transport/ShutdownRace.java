package io.medledger.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * Holds open the window of Netty's shutdown race for tests: once {@code listening} closes, its
 * event loop stays in that turn until its shutdown begins (at most 1 s), so a shutdown with quiet
 * period 0 begun by the closing thread ends the loop without the loop's own closing of its
 * channels. A transport that closes its connections itself before stopping the loop passes.
 */
final class ShutdownRace {
  private ShutdownRace() {}

  /** Arms the hold on the event loop of {@code listening}, a transport's listening channel. */
  static void holdLoopWhenClosed(Channel listening) {
    EventLoop loop = listening.eventLoop();
    listening.closeFuture().addListener(f -> loop.execute(() -> {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (!loop.isShuttingDown() && System.nanoTime() < until) {
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
    }));
  }
}

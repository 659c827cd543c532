package io.medledger.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medledger.tlog.CheckpointStore;
import io.medledger.tlog.LogResources;
import io.medledger.tlog.TileLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Closing the tile server closes its connections, whatever its event loop is doing as it stops. */
@Timeout(60)
class TileHttpServerCloseTest {
  @TempDir Path dir;

  /**
   * The server relied on its event loop's shutdown to close its connections, which is lost when
   * the shutdown begins while the loop is still in the turn that closed the listening socket: a
   * client's connection stayed open after close().
   */
  @Test
  void closingClosesAnIdleConnectionWhenTheLoopIsBusy() throws Exception {
    try (TileLog log = TileLog.open(dir.resolve("log"))) {
      LogResources res = new LogResources(log, CheckpointStore.open(dir.resolve("checkpoints")),
          (from, to) -> List.of());
      TileHttpServer http = TileHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
          "medledger/log", res);
      InetSocketAddress at = (InetSocketAddress) http.listening().localAddress();
      try (Socket s = new Socket(at.getAddress(), at.getPort())) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (http.admittedConnections() < 1 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertEquals(1, http.admittedConnections());
        ShutdownRace.holdLoopWhenClosed(http.listening());
        http.close();
        s.setSoTimeout(10_000);
        try {
          s.getInputStream().readAllBytes(); // to the end of the stream, which the closing makes
        } catch (SocketTimeoutException e) {
          throw new AssertionError("the tile server's connection outlived its event loop", e);
        }
      } finally {
        http.close();
      }
    }
  }
}

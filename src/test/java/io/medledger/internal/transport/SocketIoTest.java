package io.medledger.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Which socket layer a node's transports run on. */
class SocketIoTest {
  @Test
  @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
  void linuxOnX86ChoosesNativeEpollWhichTheBuildShips() {
    SocketIo chosen = SocketIo.choose(true);
    assertEquals("epoll", chosen.name());
    assertEquals(EpollSocketChannel.class, chosen.socket());
    assertEquals(EpollServerSocketChannel.class, chosen.server());
    assertEquals("epoll", SocketIo.get().name(), "the process's own choice, with the property unset");
  }

  @Test
  void turnedOffItIsNio() {
    SocketIo nio = SocketIo.choose(false);
    assertEquals("nio", nio.name());
    assertEquals(NioSocketChannel.class, nio.socket());
    assertEquals(NioServerSocketChannel.class, nio.server());
  }

  @Test
  void epollIsOfferedOnlyWhereItLoads() {
    boolean linux = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("linux");
    assertTrue(linux || SocketIo.epoll().isEmpty());
    assertEquals(SocketIo.epoll().map(SocketIo::name).orElse("nio"), SocketIo.choose(true).name());
  }
}

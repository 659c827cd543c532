package io.medledger.internal.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Optional;

/**
 * The socket layer under a node's Netty transports: Linux's native {@code epoll} where its library
 * is on the class path and loads, the JDK's NIO selector otherwise. Immutable; thread-safe.
 *
 * @param handlers makes each event loop's I/O handler
 * @param socket the class of an outbound or accepted connection
 * @param server the class of a listening socket
 * @param name {@code "epoll"} or {@code "nio"}
 */
record SocketIo(IoHandlerFactory handlers, Class<? extends SocketChannel> socket,
    Class<? extends ServerChannel> server, String name) {

  /** The system property that, set to {@code false}, keeps NIO where {@code epoll} is available. */
  static final String PROPERTY = "medledger.transport.epoll";

  private static final SocketIo CHOSEN = choose(!"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true")));

  /** The socket layer of this process, chosen once: {@code epoll} unless unavailable or turned off. */
  static SocketIo get() {
    return CHOSEN;
  }

  /** {@code epoll} if {@code allowEpoll} and it loads here, else NIO. */
  static SocketIo choose(boolean allowEpoll) {
    return allowEpoll ? epoll().orElseGet(SocketIo::nio) : nio();
  }

  /** The JDK's NIO selector, available everywhere. */
  static SocketIo nio() {
    return new SocketIo(NioIoHandler.newFactory(), NioSocketChannel.class, NioServerSocketChannel.class, "nio");
  }

  /** Linux's native {@code epoll}, or empty where its classes or library are absent or do not load. */
  static Optional<SocketIo> epoll() {
    try {
      if (!Epoll.isAvailable()) {
        return Optional.empty();
      }
      return Optional.of(new SocketIo(EpollIoHandler.newFactory(), EpollSocketChannel.class,
          EpollServerSocketChannel.class, "epoll"));
    } catch (LinkageError absent) {
      return Optional.empty();
    }
  }
}

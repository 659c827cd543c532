package io.medledger.internal.transport;

/** The peer transport's whole suite over the JDK's NIO selector, the layer where native {@code epoll} is absent. */
class NettyPeerTransportNioTest extends NettyPeerTransportTest {
  @Override
  SocketIo sockets() {
    return SocketIo.nio();
  }
}

package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An in-JVM {@link PeerTransport} on a {@link LocalNetwork}: frames are copied into the
 * receiving transport's bounded queue and handed to its receiver on one delivery thread, in
 * order per sender. A full queue drops the frame ({@link #send} returns false), as a slow peer's
 * full outbound queue does over the network.
 *
 * <p>Thread-safe.
 */
public final class LocalPeerTransport implements PeerTransport {
  private record Inbound(Ed25519PublicKey from, byte[] frame) {}

  private final LocalNetwork network;
  private final Ed25519PublicKey self;
  private final TransportLimits limits;
  private final BlockingQueue<Inbound> queue;
  private final Thread delivery;
  private volatile Map<Ed25519PublicKey, PeerAddress> peers = Map.of();
  private volatile FrameReceiver receiver;
  private volatile boolean closed;

  LocalPeerTransport(LocalNetwork network, Ed25519PublicKey self, TransportLimits limits, int maxQueuedFrames) {
    this.network = Objects.requireNonNull(network, "network");
    this.self = Objects.requireNonNull(self, "self");
    this.limits = Objects.requireNonNull(limits, "limits");
    if (maxQueuedFrames < 1) {
      throw new IllegalArgumentException("maxQueuedFrames must be positive");
    }
    this.queue = new ArrayBlockingQueue<>(maxQueuedFrames);
    this.delivery = new Thread(this::deliverLoop, "medledger-local-" + self.toHex().substring(0, 8));
    delivery.setDaemon(true);
    delivery.start();
  }

  @Override
  public Ed25519PublicKey self() {
    return self;
  }

  @Override
  public boolean send(Ed25519PublicKey to, byte[] frame) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(frame, "frame");
    if (closed || frame.length > limits.maxFrameBytes() || !allows(to)) {
      return false;
    }
    LocalPeerTransport dest = network.route(self, to);
    return dest != null && dest.offer(self, frame.clone());
  }

  boolean allows(Ed25519PublicKey key) {
    return !closed && peers.containsKey(key);
  }

  private boolean offer(Ed25519PublicKey from, byte[] frame) {
    return !closed && queue.offer(new Inbound(from, frame));
  }

  private void deliverLoop() {
    while (!closed) {
      Inbound in;
      try {
        in = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      FrameReceiver r = receiver;
      if (in != null && r != null && allows(in.from)) {
        try {
          r.onFrame(in.from, in.frame);
        } catch (RuntimeException e) {
          System.getLogger(LocalPeerTransport.class.getName()).log(System.Logger.Level.WARNING,
              "receiver failed on a frame from " + in.from.toHex(), e);
        }
      }
    }
  }

  @Override
  public void setReceiver(FrameReceiver receiver) {
    this.receiver = receiver;
  }

  @Override
  public void updatePeers(Map<Ed25519PublicKey, PeerAddress> peers) {
    Map<Ed25519PublicKey, PeerAddress> copy = new java.util.HashMap<>(Objects.requireNonNull(peers, "peers"));
    copy.remove(self);
    this.peers = Map.copyOf(copy);
  }

  @Override
  public Set<Ed25519PublicKey> connectedPeers() {
    Set<Ed25519PublicKey> out = new HashSet<>();
    for (Ed25519PublicKey k : peers.keySet()) {
      if (network.route(self, k) != null) {
        out.add(k);
      }
    }
    return Set.copyOf(out);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      network.detach(this);
      delivery.interrupt();
      queue.clear();
    }
  }
}

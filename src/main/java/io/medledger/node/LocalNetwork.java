package io.medledger.node;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-JVM network of {@link LocalPeerTransport}s, for tests and single-process federations
 * without TLS: two transports are connected when both are attached, each lists the other as a
 * peer, and the link between them is up ({@link #setLink}). The key a frame arrives from is the
 * sender's attached key (the in-JVM equivalent of an authenticated connection).
 *
 * <p>Thread-safe.
 */
public final class LocalNetwork {
  private final Map<Ed25519PublicKey, LocalPeerTransport> attached = new ConcurrentHashMap<>();
  private final Set<Set<Ed25519PublicKey>> down = ConcurrentHashMap.newKeySet();

  /**
   * Attaches a transport for {@code self} with an inbound queue of at most {@code maxQueuedFrames}
   * frames and per-frame bound {@code limits.maxFrameBytes()}.
   *
   * @throws IllegalStateException if {@code self} is already attached
   */
  public LocalPeerTransport attach(Ed25519PublicKey self, TransportLimits limits, int maxQueuedFrames) {
    LocalPeerTransport t = new LocalPeerTransport(this, self, limits, maxQueuedFrames);
    if (attached.putIfAbsent(self, t) != null) {
      throw new IllegalStateException("key " + self.toHex() + " is already attached");
    }
    return t;
  }

  /** Attaches a transport for {@code self} with default limits and a 4,096-frame inbound queue. */
  public LocalPeerTransport attach(Ed25519PublicKey self) {
    return attach(self, TransportLimits.defaults(), 4096);
  }

  /** Takes the link between {@code a} and {@code b} up or down (a partition when down). */
  public void setLink(Ed25519PublicKey a, Ed25519PublicKey b, boolean up) {
    Set<Ed25519PublicKey> pair = Set.of(Objects.requireNonNull(a, "a"), Objects.requireNonNull(b, "b"));
    if (up) {
      down.remove(pair);
    } else {
      down.add(pair);
    }
  }

  void detach(LocalPeerTransport t) {
    attached.remove(t.self(), t);
  }

  /** The attached transport of {@code to} when a frame from {@code from} may reach it, else null. */
  LocalPeerTransport route(Ed25519PublicKey from, Ed25519PublicKey to) {
    if (from.equals(to) || down.contains(Set.of(from, to))) {
      return null;
    }
    LocalPeerTransport t = attached.get(to);
    return t != null && t.allows(from) ? t : null;
  }
}

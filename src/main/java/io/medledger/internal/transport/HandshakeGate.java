package io.medledger.internal.transport;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Bounds on accepted connections that have not finished their handshake (TLS, the peer's key,
 * the hello), which anyone who can reach the port may open: at most {@link #MAX_PER_ADDRESS}
 * from one remote address and {@link #MAX_TOTAL} in all at once, and at most
 * {@link #PER_ADDRESS_PER_SECOND} begun per second from one address (a burst of as many). So a
 * host without a key cannot hold every slot, nor keep the event loop busy with handshakes.
 * Addresses of the members (the peers the membership lists) have {@link #MAX_MEMBER_TOTAL} slots
 * of their own, which strangers at other addresses cannot fill. Time is passed in (nanoseconds).
 *
 * <p>Thread-safe.
 */
final class HandshakeGate {
  /** Handshakes one remote address may have in progress. */
  static final int MAX_PER_ADDRESS = 16;
  /** Handshakes in progress over all addresses that are not members'. */
  static final int MAX_TOTAL = 512;
  /** Handshakes in progress over the members' addresses. */
  static final int MAX_MEMBER_TOTAL = 64;
  /** Handshakes one remote address may begin per second, and at once. */
  static final int PER_ADDRESS_PER_SECOND = 32;
  /** Addresses remembered before those with nothing open and a full bucket are forgotten. */
  private static final int SWEEP_AT = 4096;

  private static final class Slot {
    int open;
    double tokens = PER_ADDRESS_PER_SECOND;
    long at;

    Slot(long at) {
      this.at = at;
    }

    void refill(long now) {
      if (now > at) {
        tokens = Math.min(PER_ADDRESS_PER_SECOND, tokens + (now - at) * 1e-9 * PER_ADDRESS_PER_SECOND);
        at = now;
      }
    }
  }

  private final Map<InetAddress, Slot> slots = new HashMap<>();
  private int total;
  private int memberTotal;
  private volatile Set<InetAddress> members = Set.of();

  /** Sets the members' addresses, whose handshakes count against their own slots from now on. */
  void members(Set<InetAddress> addresses) {
    members = Set.copyOf(addresses);
  }

  /** Whether {@code address} is a member's: pass the answer to both {@link #enter} and {@link #leave}. */
  boolean member(InetAddress address) {
    return members.contains(address);
  }

  /**
   * Why a handshake from {@code address} may not begin at {@code nowNanos}, or null after counting
   * it among the members' slots if {@code member}, else among everyone else's.
   */
  synchronized String enter(InetAddress address, boolean member, long nowNanos) {
    Objects.requireNonNull(address, "address");
    if (slots.size() >= SWEEP_AT) {
      sweep(nowNanos);
    }
    Slot s = slots.computeIfAbsent(address, a -> new Slot(nowNanos));
    s.refill(nowNanos);
    if (s.open >= MAX_PER_ADDRESS) {
      return MAX_PER_ADDRESS + " handshakes from " + address.getHostAddress() + " are in progress";
    }
    if (member ? memberTotal >= MAX_MEMBER_TOTAL : total >= MAX_TOTAL) {
      return (member ? MAX_MEMBER_TOTAL + " handshakes from members' addresses" : MAX_TOTAL + " handshakes")
          + " are in progress";
    }
    if (s.tokens < 1) {
      return address.getHostAddress() + " began more than " + PER_ADDRESS_PER_SECOND + " handshakes a second";
    }
    s.tokens -= 1;
    s.open++;
    if (member) {
      memberTotal++;
    } else {
      total++;
    }
    return null;
  }

  /** A handshake counted by {@link #enter} with the same {@code member} finished or its connection closed. */
  synchronized void leave(InetAddress address, boolean member) {
    Slot s = slots.get(address);
    if (s != null && s.open > 0) {
      s.open--;
      if (member) {
        memberTotal--;
      } else {
        total--;
      }
    }
  }

  /** Remote addresses remembered (with handshakes in progress, or a rate still refilling). */
  synchronized int addresses() {
    return slots.size();
  }

  /** Handshakes in progress. */
  synchronized int inProgress() {
    return total + memberTotal;
  }

  /**
   * Forgets addresses with nothing open and a full bucket; if that is not enough (many addresses
   * at once), every address with nothing open, whose rate is then no longer remembered.
   */
  private void sweep(long now) {
    slots.values().removeIf(s -> {
      s.refill(now);
      return s.open == 0 && s.tokens >= PER_ADDRESS_PER_SECOND;
    });
    if (slots.size() >= SWEEP_AT / 2) {
      slots.values().removeIf(s -> s.open == 0);
    }
  }
}

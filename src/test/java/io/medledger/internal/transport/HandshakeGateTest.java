package io.medledger.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The bounds on handshakes in progress, in virtual time. */
class HandshakeGateTest {
  private static final long SECOND = 1_000_000_000L;

  private static InetAddress at(int a, int b) throws Exception {
    return InetAddress.getByAddress(new byte[] {10, 0, (byte) a, (byte) b});
  }

  @Test
  void oneAddressHoldsAtMostItsShareOfHandshakes() throws Exception {
    HandshakeGate g = new HandshakeGate();
    InetAddress a = at(0, 1);
    for (int i = 0; i < HandshakeGate.MAX_PER_ADDRESS; i++) {
      assertNull(g.enter(a, false, 0));
    }
    assertNotNull(g.enter(a, false, 0), "one more from the same address waits for a slot");
    assertNull(g.enter(at(0, 2), false, 0), "another address is not held back");
    g.leave(a, false);
    assertNull(g.enter(a, false, 0), "a finished handshake frees its slot");
    assertEquals(HandshakeGate.MAX_PER_ADDRESS + 1, g.inProgress());
  }

  @Test
  void oneAddressBeginsAtMostItsRate() throws Exception {
    HandshakeGate g = new HandshakeGate();
    InetAddress a = at(0, 1);
    int begun = 0;
    // ten seconds of attempts, 1,000 a second, each finished at once
    for (long t = 0; t < 10 * SECOND; t += SECOND / 1000) {
      if (g.enter(a, false, t) == null) {
        begun++;
        g.leave(a, false);
      }
    }
    int bound = HandshakeGate.PER_ADDRESS_PER_SECOND * 11;
    assertTrue(begun <= bound, begun + " handshakes begun in 10 s, above " + bound);
    assertTrue(begun >= HandshakeGate.PER_ADDRESS_PER_SECOND * 10, "but the rate is granted: " + begun);
  }

  @Test
  void allAddressesTogetherHoldAtMostTheTotal() throws Exception {
    HandshakeGate g = new HandshakeGate();
    int admitted = 0;
    for (int i = 0; i < 2 * HandshakeGate.MAX_TOTAL; i++) {
      if (g.enter(at(i >> 8, i & 0xff), false, 0) == null) {
        admitted++;
      }
    }
    assertEquals(HandshakeGate.MAX_TOTAL, admitted);
    assertTrue(g.enter(at(100, 1), false, 0).contains("in progress"));
    g.leave(at(0, 0), false);
    assertNull(g.enter(at(100, 1), false, 0));
    // many addresses come and go: the gate forgets those with nothing open
    HandshakeGate h = new HandshakeGate();
    for (int i = 0; i < 50_000; i++) {
      InetAddress x = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
      assertNull(h.enter(x, false, (long) i * 1000));
      h.leave(x, false);
    }
    assertEquals(0, h.inProgress());
    assertTrue(h.addresses() <= 4096, h.addresses() + " addresses remembered");
  }
  @Test
  void membersHaveSlotsOfTheirOwn() throws Exception {
    HandshakeGate g = new HandshakeGate();
    InetAddress member = at(200, 1);
    g.members(java.util.Set.of(member));
    assertTrue(g.member(member));
    for (int i = 0; i < HandshakeGate.MAX_TOTAL; i++) {
      assertNull(g.enter(at(i >> 8, i & 0xff), false, 0));
    }
    assertNotNull(g.enter(at(100, 1), false, 0), "strangers' slots are full");
    assertNull(g.enter(member, g.member(member), 0), "a member still begins its handshake");
    assertEquals(HandshakeGate.MAX_TOTAL + 1, g.inProgress());
    g.leave(member, true);
    assertNotNull(g.enter(at(100, 1), false, 0), "a member's slot, freed, is not a stranger's");
    // the members' own slots are bounded too, and so is each member's address
    HandshakeGate h = new HandshakeGate();
    java.util.Set<InetAddress> many = new java.util.HashSet<>();
    for (int i = 0; i < 2 * HandshakeGate.MAX_MEMBER_TOTAL; i++) {
      many.add(at(201, i));
    }
    h.members(many);
    int admitted = 0;
    for (InetAddress m : many) {
      for (int i = 0; i < 2; i++) {
        admitted += h.enter(m, true, 0) == null ? 1 : 0;
      }
    }
    assertEquals(HandshakeGate.MAX_MEMBER_TOTAL, admitted);
    assertNull(h.enter(at(100, 1), false, 0), "strangers keep their own slots");
  }
}

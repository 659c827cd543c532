package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Participants, their order, and the quorum and fault bounds. */
class VoterSetTest {
  private static Ed25519PublicKey key(int i) {
    byte[] seed = new byte[32];
    seed[2] = (byte) i;
    return Ed25519PrivateKey.fromSeed(seed).publicKey();
  }

  @Test
  void nodesAreFederationFirstThenAuditorsEachOnce() {
    VoterSet m = new VoterSet(List.of(key(1), key(2)), List.of(key(3), key(1)));
    assertEquals(List.of(key(1), key(2), key(3)), m.nodes());
  }

  @Test
  void refusesAnEmptyFederationAndDuplicates() {
    assertThrows(IllegalArgumentException.class, () -> new VoterSet(List.of(), List.of(key(1))));
    assertThrows(IllegalArgumentException.class, () -> new VoterSet(List.of(key(1), key(1)), List.of()));
    assertThrows(IllegalArgumentException.class, () -> new VoterSet(List.of(key(1)), List.of(key(2), key(2))));
  }

  @Test
  void quorumIsMoreThanTwoThirdsAndToleratesTheFaultBound() {
    int[][] expected = {{1, 1, 0}, {2, 2, 0}, {3, 3, 0}, {4, 3, 1}, {5, 4, 1}, {6, 5, 1}, {7, 5, 2}, {9, 7, 2}, {10, 7, 3}};
    for (int[] e : expected) {
      assertEquals(e[1], VoterSet.quorum(e[0]), "quorum of " + e[0]);
      assertEquals(e[2], VoterSet.maxFaulty(e[0]), "faulty of " + e[0]);
    }
  }
}

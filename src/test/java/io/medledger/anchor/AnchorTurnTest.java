package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnchorTurnTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration TURN = Duration.ofMinutes(10);

  private static List<Ed25519PublicKey> servers(int n) {
    List<Ed25519PublicKey> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Ed25519PrivateKey.generate(RANDOM).publicKey());
    }
    return out;
  }

  @Test
  void oneTurnPerRecordedAnchorInKeyOrderWhateverTheListOrder() {
    List<Ed25519PublicKey> s = servers(3);
    List<Ed25519PublicKey> sorted = s.stream().sorted(Comparator.comparing(Ed25519PublicKey::toHex)).toList();
    List<Ed25519PublicKey> reversed = new ArrayList<>(s);
    java.util.Collections.reverse(reversed);
    for (int k = 0; k < 7; k++) {
      assertEquals(sorted.get(k % 3), AnchorTurn.holder(s, k, 1_000, 1_000, TURN));
      assertEquals(sorted.get(k % 3), AnchorTurn.holder(reversed, k, 1_000, 1_000, TURN), "every node names the same server");
    }
  }

  @Test
  void aTurnWithoutANewAnchorPassesToTheNextServerAfterTheTakeoverTime() {
    List<Ed25519PublicKey> s = servers(3);
    List<Ed25519PublicKey> sorted = s.stream().sorted(Comparator.comparing(Ed25519PublicKey::toHex)).toList();
    long since = 5_000_000;
    assertEquals(sorted.get(1), AnchorTurn.holder(s, 1, since, since + TURN.toMillis() - 1, TURN));
    assertEquals(sorted.get(2), AnchorTurn.holder(s, 1, since, since + TURN.toMillis(), TURN), "taken over");
    assertEquals(sorted.get(0), AnchorTurn.holder(s, 1, since, since + 2 * TURN.toMillis(), TURN), "and again");
    assertEquals(sorted.get(1), AnchorTurn.holder(s, 1, since, since - 60_000, TURN), "a clock behind the block does not go back");
  }

  @Test
  void refusesNoServersAndNonPositiveTurns() {
    assertThrows(IllegalArgumentException.class, () -> AnchorTurn.holder(List.of(), 0, 0, 0, TURN));
    assertThrows(IllegalArgumentException.class, () -> AnchorTurn.holder(servers(1), 0, 0, 0, Duration.ZERO));
  }
}

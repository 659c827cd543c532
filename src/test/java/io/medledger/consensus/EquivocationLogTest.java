package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import org.junit.jupiter.api.Test;

/** First statement per (signer, kind, height, round); a conflicting second one is evidence, reported once. */
class EquivocationLogTest {
  private static final Digest CHAIN = digest(9);
  private static final Ed25519PrivateKey KEY = Ed25519PrivateKey.fromSeed(new byte[32]);
  private static final Ed25519PublicKey ME = KEY.publicKey();

  private static Digest digest(int i) {
    byte[] b = new byte[32];
    b[31] = (byte) i;
    return Digest.of(b);
  }

  private static byte[] sign(Statement st) {
    return KEY.sign(st.signingBytes(CHAIN));
  }

  @Test
  void aConflictingSecondStatementIsVerifiableEvidenceReportedOnce() {
    EquivocationLog log = new EquivocationLog();
    Statement a = new Statement(StatementKind.PREVOTE, 4, 1, digest(1), -1);
    Statement b = new Statement(StatementKind.PREVOTE, 4, 1, digest(2), -1);
    assertNull(log.note(ME, a, sign(a)));
    assertNull(log.note(ME, a, sign(a)), "the same statement again is no evidence");
    Equivocation e = log.note(ME, b, sign(b));
    assertNotNull(e);
    assertEquals(a, e.first());
    assertEquals(b, e.second());
    assertEquals(ME, e.signer());
    assertArrayEquals(sign(a), e.firstSignature());
    assertEquals(true, e.verify(CHAIN));
    assertNull(log.note(ME, b, sign(b)), "reported once");
    Statement c = new Statement(StatementKind.PREVOTE, 4, 1, digest(3), -1);
    assertNull(log.note(ME, c, sign(c)), "one report per slot");
    assertEquals(a, log.first(ME, StatementKind.PREVOTE, 4, 1).st());
    assertEquals(1, log.size());
  }

  @Test
  void differentKindsRoundsHeightsOrSignersAreDifferentSlots() {
    EquivocationLog log = new EquivocationLog();
    Ed25519PublicKey other = Ed25519PrivateKey.fromSeed(digest(5).toByteArray()).publicKey();
    Statement a = new Statement(StatementKind.PREVOTE, 4, 1, digest(1), -1);
    log.note(ME, a, sign(a));
    Statement[] others = {
        new Statement(StatementKind.PRECOMMIT, 4, 1, digest(2), -1),
        new Statement(StatementKind.PREVOTE, 4, 2, digest(2), -1),
        new Statement(StatementKind.PREVOTE, 5, 1, digest(2), -1)};
    for (Statement s : others) {
      assertNull(log.note(ME, s, sign(s)));
    }
    Statement b = new Statement(StatementKind.PREVOTE, 4, 1, digest(2), -1);
    assertNull(log.note(other, b, sign(b)), "another signer's slot");
    assertEquals(5, log.size());
    assertNull(log.first(ME, StatementKind.PROPOSAL, 4, 1));
  }

  @Test
  void forgetsHeightsBelowTheGivenOne() {
    EquivocationLog log = new EquivocationLog();
    Statement a3 = new Statement(StatementKind.PREVOTE, 3, 0, digest(1), -1);
    Statement a4 = new Statement(StatementKind.PREVOTE, 4, 0, digest(1), -1);
    Statement b3 = new Statement(StatementKind.PREVOTE, 3, 0, digest(2), -1);
    Statement b4 = new Statement(StatementKind.PREVOTE, 4, 0, digest(2), -1);
    log.note(ME, a3, sign(a3));
    log.note(ME, a4, sign(a4));
    assertNotNull(log.note(ME, b4, sign(b4)));
    log.forgetBelow(4);
    assertEquals(1, log.size());
    assertNull(log.first(ME, StatementKind.PREVOTE, 3, 0));
    assertNull(log.note(ME, b3, sign(b3)), "a forgotten slot starts afresh");
    assertNull(log.note(ME, b4, sign(b4)), "a kept slot stays reported");
    Statement a5 = new Statement(StatementKind.PREVOTE, 5, 0, digest(1), -1);
    Statement b5 = new Statement(StatementKind.PREVOTE, 5, 0, digest(2), -1);
    Statement c5 = new Statement(StatementKind.PREVOTE, 5, 0, digest(3), -1);
    log.note(ME, a5, sign(a5));
    assertNotNull(log.note(ME, b5, sign(b5)));
    log.forgetBelow(6);
    log.note(ME, a5, sign(a5));
    assertNotNull(log.note(ME, c5, sign(c5)), "a forgotten report does not silence that slot");
  }
}

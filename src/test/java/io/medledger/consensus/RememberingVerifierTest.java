package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RememberingVerifierTest {
  private final AtomicInteger calls = new AtomicInteger();
  private final SignatureVerifier counting = (k, m, s) -> {
    calls.incrementAndGet();
    return k.verify(m, s);
  };
  private final List<Ed25519PublicKey> keys = new ArrayList<>();
  private final List<byte[]> messages = new ArrayList<>();
  private final List<byte[]> signatures = new ArrayList<>();

  private static Ed25519PrivateKey key(int i) {
    return Ed25519PrivateKey.fromSeed(Sha256.hash(("remembering:" + i).getBytes(StandardCharsets.UTF_8)).toByteArray());
  }

  /** {@code n} signatures by four signers over distinct messages. */
  private void sign(int n) {
    for (int i = 0; i < n; i++) {
      Ed25519PrivateKey k = key(i % 4);
      byte[] m = ("message " + i).getBytes(StandardCharsets.UTF_8);
      keys.add(k.publicKey());
      messages.add(m);
      signatures.add(k.sign(m));
    }
  }

  private int verifyAll(SignatureVerifier v) {
    int valid = 0;
    for (int i = 0; i < keys.size(); i++) {
      valid += v.verify(keys.get(i), messages.get(i), signatures.get(i)) ? 1 : 0;
    }
    return valid;
  }

  @Test
  void preparedSignaturesAreCheckedAsOneBatchAndRemembered() {
    sign(20);
    RememberingVerifier v = new RememberingVerifier(4096, counting, true);
    v.prepare(keys, messages, signatures);
    assertEquals(0, calls.get());
    assertEquals(20, verifyAll(v));
    assertEquals(0, calls.get(), "every signature was remembered");
  }

  @Test
  void aBatchWithOneBadSignatureRemembersNone() {
    sign(20);
    signatures.set(7, key(99).sign(messages.get(7)));
    RememberingVerifier v = new RememberingVerifier(4096, counting, true);
    v.prepare(keys, messages, signatures);
    assertEquals(19, verifyAll(v));
    assertEquals(20, calls.get(), "each was then checked alone");
    assertFalse(v.verify(keys.get(7), messages.get(7), signatures.get(7)), "the bad one stays bad");
  }

  @Test
  void fewerThanABatchAndAVerifierWithAnotherRuleAreLeftToVerify() {
    sign(RememberingVerifier.BATCH_FROM - 1);
    RememberingVerifier few = new RememberingVerifier(4096, counting, true);
    few.prepare(keys, messages, signatures);
    assertEquals(keys.size(), verifyAll(few));
    assertEquals(keys.size(), calls.get(), "too few to batch: nothing remembered ahead");
    calls.set(0);
    keys.clear();
    messages.clear();
    signatures.clear();
    sign(20);
    RememberingVerifier other = new RememberingVerifier(4096, counting);
    other.prepare(keys, messages, signatures);
    assertEquals(keys.size(), verifyAll(other));
    assertEquals(keys.size(), calls.get(), "an inner verifier of its own rule is never bypassed");
  }

  @Test
  void listsOfDifferentLengthsAreRefusedAndAMalformedSignatureIsSkipped() {
    sign(20);
    RememberingVerifier v = new RememberingVerifier(4096, counting, true);
    assertThrows(IllegalArgumentException.class, () -> v.prepare(keys, messages, signatures.subList(0, 19)));
    signatures.set(3, new byte[63]);
    v.prepare(keys, messages, signatures);
    assertEquals(19, verifyAll(v));
    assertEquals(1, calls.get(), "only the short signature reached the verifier");
    assertTrue(SignatureVerifier.DIRECT.verify(keys.get(0), messages.get(0), signatures.get(0)));
  }
}

package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A certificate's signers are distinct, ascending and in range: one voter never counts twice. */
class QuorumCertificateSignersTest {
  static final Digest CHAIN = Sha256.hash("certificate-signers".getBytes(StandardCharsets.US_ASCII));
  static final Statement VOTE = new Statement(StatementKind.PRECOMMIT, 5, 0,
      Sha256.hash("block".getBytes(StandardCharsets.US_ASCII)), -1);

  static List<Ed25519PrivateKey> keys(int n) {
    List<Ed25519PrivateKey> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] seed = new byte[32];
      seed[0] = (byte) (i + 1);
      out.add(Ed25519PrivateKey.fromSeed(seed));
    }
    return out;
  }

  static QuorumCertificate.VoterSignature sig(List<Ed25519PrivateKey> keys, int signer, int keyIndex) {
    return new QuorumCertificate.VoterSignature(signer, keys.get(keyIndex).sign(VOTE.signingBytes(CHAIN)));
  }

  @Test
  void aQuorumOfDistinctSignersVerifies() {
    List<Ed25519PrivateKey> k = keys(4);
    List<Ed25519PublicKey> voters = k.stream().map(Ed25519PrivateKey::publicKey).toList();
    QuorumCertificate c = new QuorumCertificate(VOTE, List.of(sig(k, 0, 0), sig(k, 1, 1), sig(k, 3, 3)));
    assertTrue(c.verify(CHAIN, voters));
    assertEquals(List.of(0, 1, 3), c.signers());
    assertEquals(c, QuorumCertificate.decode(c.encode()));
    // two signers are below the quorum of three
    assertFalse(new QuorumCertificate(VOTE, List.of(sig(k, 0, 0), sig(k, 1, 1))).verify(CHAIN, voters));
    // a signature by the wrong voter for its index fails
    assertFalse(new QuorumCertificate(VOTE, List.of(sig(k, 0, 0), sig(k, 1, 2), sig(k, 3, 3))).verify(CHAIN, voters));
  }

  @Test
  void aRepeatedSignerIsRefused() {
    List<Ed25519PrivateKey> k = keys(4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new QuorumCertificate(VOTE, List.of(sig(k, 0, 0), sig(k, 0, 0), sig(k, 1, 1))));
    assertTrue(e.getMessage().contains("distinct and ascending"));
    assertThrows(IllegalArgumentException.class, () -> new QuorumCertificate(VOTE, List.of(sig(k, 1, 1), sig(k, 1, 1))));
    assertThrows(IllegalArgumentException.class, () -> new QuorumCertificate(VOTE, List.of(sig(k, 2, 2), sig(k, 1, 1))));
    // the same, arriving as bytes: a well-formed encoding of [0, 1] with the second index patched to 0
    QuorumCertificate ok = new QuorumCertificate(VOTE, List.of(sig(k, 0, 0), sig(k, 1, 1)));
    byte[] enc = ok.encode();
    int secondSigner = enc.length - 64 - 4;
    assertEquals(1, enc[secondSigner + 3]);
    enc[secondSigner + 3] = 0;
    assertThrows(MalformedEncodingException.class, () -> QuorumCertificate.decode(enc));
  }

  @Test
  void anOutOfRangeSignerFailsVerification() {
    List<Ed25519PrivateKey> k = keys(5);
    List<Ed25519PublicKey> four = k.subList(0, 4).stream().map(Ed25519PrivateKey::publicKey).toList();
    // index 4 is one past the last of four voters (its signature is by a fifth key)
    QuorumCertificate c = new QuorumCertificate(VOTE, List.of(sig(k, 0, 0), sig(k, 1, 1), sig(k, 2, 2), sig(k, 4, 4)));
    assertFalse(c.verify(CHAIN, four));
    QuorumCertificate far = new QuorumCertificate(VOTE, List.of(sig(k, 0, 0), sig(k, 1, 1), sig(k, 2, 2), sig(k, 1000, 3)));
    assertFalse(far.verify(CHAIN, four));
    assertThrows(IllegalArgumentException.class, () -> sig(k, -1, 0));
    // with five voters the same certificate verifies
    assertTrue(c.verify(CHAIN, k.stream().map(Ed25519PrivateKey::publicKey).toList()));
  }

  @Test
  void theSignersAmongKnownKeysCountEachKeyOnceAndNoOtherKey() {
    List<Ed25519PrivateKey> k = keys(6);
    List<Ed25519PublicKey> known = k.subList(0, 4).stream().map(Ed25519PrivateKey::publicKey).toList();
    // indices as the signers' ledger order has them, unknown to the reader; one key under three indices
    QuorumCertificate c = new QuorumCertificate(VOTE, List.of(sig(k, 0, 2), sig(k, 1, 0), sig(k, 2, 0), sig(k, 3, 0),
        sig(k, 4, 5), sig(k, 5, 4)));
    assertEquals(java.util.Set.of(known.get(2), known.get(0)), c.signersAmong(CHAIN, known, 4));
    // at most as many as asked for
    assertEquals(java.util.Set.of(known.get(2)), c.signersAmong(CHAIN, known, 1));
    // signatures over another chain's statement are no one's
    assertEquals(java.util.Set.of(), c.signersAmong(Sha256.hash(new byte[] {1}), known, 4));
    // garbage in a signature's place counts for none
    QuorumCertificate forged = new QuorumCertificate(VOTE,
        List.of(new QuorumCertificate.VoterSignature(0, new byte[64]), sig(k, 1, 1)));
    assertEquals(java.util.Set.of(known.get(1)), forged.signersAmong(CHAIN, known, 4));
  }

  @Test
  void aCertificateOfGarbageBeforeItsSignaturesCostsAtMostTwoChecksPerCandidateSquared() {
    List<Ed25519PrivateKey> k = keys(4);
    List<Ed25519PublicKey> known = k.subList(0, 2).stream().map(Ed25519PrivateKey::publicKey).toList();
    // two unknown voters' signatures, then both known ones: a certificate of 2c voters is read whole
    QuorumCertificate fair = new QuorumCertificate(VOTE, List.of(sig(k, 0, 2), sig(k, 1, 3), sig(k, 2, 0), sig(k, 3, 1)));
    assertEquals(java.util.Set.copyOf(known), fair.signersAmong(CHAIN, known, 2));
    // 1,000 signatures nobody known made, then the known ones: the budget (8 checks) runs out first
    List<QuorumCertificate.VoterSignature> sigs = new java.util.ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      sigs.add(new QuorumCertificate.VoterSignature(i, new byte[64]));
    }
    sigs.add(sig(k, 1000, 0));
    sigs.add(sig(k, 1001, 1));
    assertEquals(java.util.Set.of(), new QuorumCertificate(VOTE, sigs).signersAmong(CHAIN, known, 2));
  }
}

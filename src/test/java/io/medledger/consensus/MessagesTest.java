package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessagesTest {
  private static final Digest CHAIN = Sha256.hash("chain".getBytes(StandardCharsets.UTF_8));
  private static final Digest BLOCK = Sha256.hash("block".getBytes(StandardCharsets.UTF_8));

  private static List<Ed25519PrivateKey> keys(int n) {
    List<Ed25519PrivateKey> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Ed25519PrivateKey.fromSeed(Sha256.hash(new byte[] {(byte) i}).toByteArray()));
    }
    return out;
  }

  private static List<Ed25519PublicKey> pub(List<Ed25519PrivateKey> ks) {
    return ks.stream().map(Ed25519PrivateKey::publicKey).toList();
  }

  private static QuorumCertificate cert(List<Ed25519PrivateKey> ks, StatementKind kind, int signers) {
    Statement st = new Statement(kind, 7, 2, BLOCK, -1);
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
    for (int i = 0; i < signers; i++) {
      sigs.add(new QuorumCertificate.VoterSignature(i, ks.get(i).sign(st.signingBytes(CHAIN))));
    }
    return new QuorumCertificate(st, sigs);
  }

  @Test
  void quorumIsMoreThanTwoThirds() {
    assertEquals(1, VoterSet.quorum(1));
    assertEquals(3, VoterSet.quorum(4));
    assertEquals(5, VoterSet.quorum(7));
    assertEquals(7, VoterSet.quorum(10));
    assertEquals(1, VoterSet.maxFaulty(4));
    assertEquals(2, VoterSet.maxFaulty(7));
    for (int n = 1; n < 50; n++) {
      int q = VoterSet.quorum(n);
      assertTrue(3 * q > 2 * n && 3 * (q - 1) <= 2 * n, "n=" + n);
      int f = VoterSet.maxFaulty(n);
      assertTrue(2 * q - n > f, "two quorums intersect in an honest voter, n=" + n);
    }
  }

  @Test
  void certificateVerifiesOnlyWithAQuorumOfValidSignatures() {
    List<Ed25519PrivateKey> ks = keys(4);
    QuorumCertificate ok = cert(ks, StatementKind.PRECOMMIT, 3);
    assertTrue(ok.verify(CHAIN, pub(ks)));
    assertFalse(cert(ks, StatementKind.PRECOMMIT, 2).verify(CHAIN, pub(ks)), "too few signers");
    assertFalse(ok.verify(Sha256.hash(new byte[1]), pub(ks)), "another chain");
    List<Ed25519PublicKey> others = pub(keys(5)).subList(1, 5);
    assertFalse(ok.verify(CHAIN, others), "signatures by other keys");
    byte[] bad = ok.signatures().get(1).signature();
    bad[5] ^= 1;
    QuorumCertificate forged = new QuorumCertificate(ok.statement(), List.of(ok.signatures().get(0),
        new QuorumCertificate.VoterSignature(1, bad), ok.signatures().get(2)));
    assertFalse(forged.verify(CHAIN, pub(ks)));
    QuorumCertificate outOfRange = new QuorumCertificate(ok.statement(), List.of(ok.signatures().get(0),
        ok.signatures().get(1), new QuorumCertificate.VoterSignature(9, ok.signatures().get(2).signature())));
    assertFalse(outOfRange.verify(CHAIN, pub(ks)));
    assertThrows(IllegalArgumentException.class, () -> new QuorumCertificate(ok.statement(),
        List.of(ok.signatures().get(1), ok.signatures().get(0))), "duplicate or unordered signers");
    assertThrows(IllegalArgumentException.class, () -> new QuorumCertificate(
        new Statement(StatementKind.TIMEOUT, 1, 0, BLOCK, -1), List.of()));
  }

  @Test
  void certificateAndEvidenceRoundTripAndRejectMalformedBytes() {
    List<Ed25519PrivateKey> ks = keys(4);
    QuorumCertificate c = cert(ks, StatementKind.PREVOTE, 4);
    byte[] enc = c.encode();
    QuorumCertificate back = QuorumCertificate.decode(enc);
    assertEquals(c, back);
    assertTrue(back.verify(CHAIN, pub(ks)));
    assertThrows(MalformedEncodingException.class, () -> QuorumCertificate.decode(Arrays.copyOf(enc, enc.length - 1)));
    assertThrows(MalformedEncodingException.class, () -> QuorumCertificate.decode(Arrays.copyOf(enc, enc.length + 1)));
    byte[] huge = enc.clone();
    huge[49] = 0x7f; // signature count (after the 49-byte statement): absurdly large
    assertThrows(MalformedEncodingException.class, () -> QuorumCertificate.decode(huge));

    Statement a = new Statement(StatementKind.PREVOTE, 3, 1, BLOCK, -1);
    Statement b = new Statement(StatementKind.PREVOTE, 3, 1, Sha256.hash(new byte[2]), -1);
    Ed25519PrivateKey k = ks.get(2);
    Equivocation ev = new Equivocation(k.publicKey(), a, k.sign(a.signingBytes(CHAIN)), b, k.sign(b.signingBytes(CHAIN)));
    assertTrue(ev.verify(CHAIN));
    Equivocation again = Equivocation.decode(ev.encode());
    assertEquals(ev, again);
    assertTrue(again.verify(CHAIN));
    assertFalse(new Equivocation(ks.get(1).publicKey(), a, ev.firstSignature(), b, ev.secondSignature()).verify(CHAIN),
        "evidence under another key");
    assertFalse(new Equivocation(k.publicKey(), a, ev.firstSignature(), a, ev.firstSignature()).verify(CHAIN),
        "two equal statements are no conflict");
    Statement otherRound = new Statement(StatementKind.PREVOTE, 3, 2, b.hash(), -1);
    assertFalse(new Equivocation(k.publicKey(), a, ev.firstSignature(), otherRound,
        k.sign(otherRound.signingBytes(CHAIN))).verify(CHAIN), "different rounds may differ");
    assertTrue(ev.toString().contains(k.publicKey().toHex()));
  }

  @Test
  void everyMessageRoundTripsAndDecodingIsStrict() {
    List<Ed25519PrivateKey> ks = keys(4);
    Ed25519PrivateKey k = ks.get(0);
    Statement prop = new Statement(StatementKind.PROPOSAL, 7, 3, BLOCK, 2);
    Statement vote = new Statement(StatementKind.PRECOMMIT, 7, 3, BLOCK, -1);
    Statement to = new Statement(StatementKind.TIMEOUT, 7, 3, BLOCK, 2);
    QuorumCertificate pol = new QuorumCertificate(new Statement(StatementKind.PREVOTE, 7, 2, BLOCK, -1),
        cert(ks, StatementKind.PREVOTE, 3).signatures());
    List<ConsensusMessage> all = List.of(
        new ConsensusMessage.Proposal(prop, k.sign(prop.signingBytes(CHAIN)), new byte[] {1, 2, 3}, pol),
        new ConsensusMessage.Proposal(new Statement(StatementKind.PROPOSAL, 7, 0, BLOCK, -1), new byte[64], new byte[0], null),
        new ConsensusMessage.Vote(vote, 2, k.sign(vote.signingBytes(CHAIN)), 2, new byte[64]),
        new ConsensusMessage.Timeout(to, 1, k.sign(to.signingBytes(CHAIN)), pol, new byte[] {9}),
        ConsensusMessage.Status.sign(6, 3, 1, k, CHAIN),
        ConsensusMessage.BlockRequest.sign(4, 16, 2, k, CHAIN),
        ConsensusMessage.BlockResponse.sign(4, List.of(new byte[] {1}, new byte[] {2, 2}),
            List.of(cert(ks, StatementKind.PRECOMMIT, 3), cert(ks, StatementKind.PRECOMMIT, 4)), 0, k, CHAIN),
        new ConsensusMessage.EntryBatch(List.of(new byte[] {5}, new byte[0])));
    for (ConsensusMessage m : all) {
      byte[] enc = m.encode();
      ConsensusMessage back = ConsensusMessage.decode(enc, 1 << 20);
      assertArrayEquals(enc, back.encode(), m.getClass().getSimpleName());
      assertEquals(m.getClass(), back.getClass());
      assertEquals(m, back, "a decoded message equals the one encoded");
      assertEquals(m.hashCode(), back.hashCode());
      assertFalse(back.toString().contains("[B@"), back.toString());
      ConsensusMessage other = ConsensusMessage.decode(all.get((all.indexOf(m) + 1) % all.size()).encode(), 1 << 20);
      assertNotEquals(m, other);
      if (!(m instanceof ConsensusMessage.EntryBatch)) { // the one unsigned message
        assertArrayEquals(m.signingBytes(CHAIN), back.signingBytes(CHAIN));
      }
      for (int cut = 0; cut < enc.length; cut += Math.max(1, enc.length / 17)) {
        byte[] truncated = Arrays.copyOf(enc, cut);
        assertThrows(MalformedEncodingException.class, () -> ConsensusMessage.decode(truncated, 1 << 20));
      }
      assertThrows(MalformedEncodingException.class, () -> ConsensusMessage.decode(Arrays.copyOf(enc, enc.length + 1), 1 << 20));
      assertThrows(MalformedEncodingException.class, () -> ConsensusMessage.decode(enc, enc.length - 1));
    }
    ConsensusMessage.Status s = (ConsensusMessage.Status) all.get(4);
    assertTrue(k.publicKey().verify(s.signingBytes(CHAIN), s.signature()));
    assertThrows(MalformedEncodingException.class, () -> ConsensusMessage.decode(new byte[] {99}, 100));
    assertThrows(MalformedEncodingException.class, () -> ConsensusMessage.decode(new byte[0], 100));
    assertThrows(IllegalArgumentException.class,
        () -> new ConsensusMessage.Proposal(prop, new byte[64], new byte[0], null), "aux without proof of lock");
  }

  @Test
  void statementsBindChainAndEveryField() {
    Statement a = new Statement(StatementKind.PREVOTE, 1, 0, BLOCK, -1);
    List<byte[]> variants = List.of(a.signingBytes(CHAIN), a.signingBytes(BLOCK),
        new Statement(StatementKind.PRECOMMIT, 1, 0, BLOCK, -1).signingBytes(CHAIN),
        new Statement(StatementKind.PREVOTE, 2, 0, BLOCK, -1).signingBytes(CHAIN),
        new Statement(StatementKind.PREVOTE, 1, 1, BLOCK, -1).signingBytes(CHAIN),
        new Statement(StatementKind.PREVOTE, 1, 0, CHAIN, -1).signingBytes(CHAIN),
        new Statement(StatementKind.PREVOTE, 1, 0, BLOCK, 0).signingBytes(CHAIN));
    for (int i = 0; i < variants.size(); i++) {
      for (int j = i + 1; j < variants.size(); j++) {
        assertFalse(Arrays.equals(variants.get(i), variants.get(j)), i + " vs " + j);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> new Statement(StatementKind.PREVOTE, 0, 0, BLOCK, -1));
  }

  @Test
  void fileSafetyStoreReplacesAtomically(@TempDir Path dir) {
    FileSafetyStore s = new FileSafetyStore(dir.resolve("safety"));
    assertTrue(s.load().isEmpty());
    s.save(new byte[] {1, 2, 3});
    s.save(new byte[] {4, 5});
    assertArrayEquals(new byte[] {4, 5}, new FileSafetyStore(dir.resolve("safety")).load().orElseThrow());
    InMemorySafetyStore m = new InMemorySafetyStore();
    assertTrue(m.load().isEmpty());
    byte[] v = {7};
    m.save(v);
    v[0] = 8;
    assertArrayEquals(new byte[] {7}, m.load().orElseThrow());
  }

  @Test
  void unknownProtocolNameIsRefused() {
    assertEquals(List.of("rotating-audit", "bft", "solo"), Protocols.names());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Protocols.create("paxos", null, null, ConsensusConfig.defaults()));
    assertTrue(e.getMessage().contains("paxos"));
  }
}

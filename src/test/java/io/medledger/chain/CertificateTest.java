package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.ByteString;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A chain certificate's exact encoding and JSON view, and the decoder's refusals. */
class CertificateTest {
  private static final Ed25519PrivateKey KEY = KnownAnswerTest.RFC8032_KEY;
  /** RFC 8032 test 1: the signature of the empty message by this key. */
  private static final String SIG = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
  private static final String PUB = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

  private static Certificate one() {
    return new Certificate(List.of(Endorsement.sign(KEY, new byte[0])), ByteString.of(new byte[] {(byte) 0xab}));
  }

  @Test
  void theEncodingIsExact() {
    assertEquals(SIG, one().signatures().get(0).signature().toHex());
    // version, one signature (length-prefixed: signer, length-prefixed signature), data
    String expected = "01" + "00000001" + "00000064" + PUB + "00000040" + SIG + "00000001ab";
    assertEquals(expected, Hex.encode(one().encode()));
    assertEquals(one(), Certificate.decode(Hex.decode(expected)));
    assertEquals("01" + "00000000" + "00000000", Hex.encode(Certificate.EMPTY.encode()));
  }

  @Test
  void theJsonViewIsExact() {
    String json = "{\"version\":1,\"signatures\":[{\"signer\":\"" + PUB + "\",\"signature\":\"" + SIG + "\"}],\"data\":\"ab\"}";
    assertEquals(json, one().toJson());
    assertEquals(one(), Certificate.fromJson(json));
  }

  @Test
  void otherVersionsAndTrailingBytesAreRefused() {
    byte[] b = one().encode();
    for (int v : new int[] {0, 2, 255}) {
      b[0] = (byte) v;
      MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> Certificate.decode(b));
      assertEquals("unknown certificate version " + v, e.getMessage());
    }
    byte[] longer = java.util.Arrays.copyOf(one().encode(), one().encode().length + 1);
    assertThrows(MalformedEncodingException.class, () -> Certificate.decode(longer));
    String json = one().toJson().replace("\"version\":1", "\"version\":2");
    assertThrows(MalformedEncodingException.class, () -> Certificate.fromJson(json));
    // an unsorted pair decodes to a constructor refusal, reported as malformed input
    Endorsement a = Endorsement.sign(KEY, new byte[0]);
    Endorsement c = Endorsement.sign(Ed25519PrivateKey.fromSeed(new byte[32]), new byte[0]);
    List<Endorsement> desc = a.compareTo(c) > 0 ? List.of(a, c) : List.of(c, a);
    String twoJson = "{\"version\":1,\"signatures\":[" + desc.stream().map(e -> "{\"signer\":\""
        + Hex.encode(e.signer().toBytes()) + "\",\"signature\":\"" + e.signature().toHex() + "\"}")
        .reduce((x, y) -> x + "," + y).orElseThrow() + "],\"data\":\"\"}";
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> Certificate.fromJson(twoJson));
    assertTrue(e.getMessage().startsWith("certificate: "), e.getMessage());
  }

  @Test
  void signingSortsTheVotesAndEachVerifiesOverTheVoteMessage() {
    ChainFixture f = ChainFixture.create();
    BlockHeader h = f.ledger.tip().orElseThrow();
    Ed25519PrivateKey other = Ed25519PrivateKey.fromSeed(new byte[32]);
    Certificate c = Certificate.sign(h, KEY, other);
    assertEquals(c, Certificate.sign(h, other, KEY));
    assertTrue(c.signatures().get(0).compareTo(c.signatures().get(1)) < 0);
    for (Endorsement e : c.signatures()) {
      assertTrue(e.verify(Certificate.voteMessage(h)));
    }
    assertEquals(ByteString.EMPTY, c.data());
  }
}

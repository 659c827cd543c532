package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The encrypted key fragment's encoding: exact layout, each length bound at and past its limit,
 * every truncation, and a proxy id that is not UTF-8. The capsule is the reference's (case S01 of
 * {@code vectors/umbral/vectors.json}).
 */
class EncryptedKeyFragTest {
  private static final byte[] CAPSULE = Hex.decode(
      io.medledger.testing.SharedVectors.json(UmbralVectorsTest.VECTORS).get("cases").get(0).get("capsule").asText());
  /** The largest ciphertext accepted: a key fragment with 64 bytes to spare. */
  private static final int MAX = KeyFrag.LENGTH + 64;

  private static byte[] encoding(byte[] id, int ciphertextLength) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(id.length);
    out.writeBytes(id);
    out.writeBytes(CAPSULE);
    out.write(ciphertextLength >>> 8);
    out.write(ciphertextLength);
    out.writeBytes(ciphertext(ciphertextLength));
    return out.toByteArray();
  }

  private static byte[] ciphertext(int n) {
    byte[] c = new byte[n];
    for (int i = 0; i < n; i++) {
      c[i] = (byte) (i * 7);
    }
    return c;
  }

  private static String refusal(byte[] b) {
    return assertThrows(MalformedEncodingException.class, () -> EncryptedKeyFrag.fromBytes(b)).getMessage();
  }

  @Test
  void theEncodingIsIdLengthIdCapsuleLengthAndCiphertext() {
    byte[] id = "fed-1".getBytes(StandardCharsets.UTF_8);
    EncryptedKeyFrag f = new EncryptedKeyFrag("fed-1", Capsule.fromBytes(CAPSULE), ciphertext(330));
    byte[] expected = encoding(id, 330);
    assertEquals(1 + 5 + 105 + 2 + 330, expected.length);
    assertArrayEquals(expected, f.toBytes());
    EncryptedKeyFrag back = EncryptedKeyFrag.fromBytes(expected);
    assertEquals(f, back);
    assertEquals("fed-1", back.proxyId());
    assertEquals(Capsule.fromBytes(CAPSULE), back.capsule());
    assertArrayEquals(ciphertext(330), back.ciphertext());
    assertEquals("EncryptedKeyFrag[proxy=fed-1]", back.toString());
    assertEquals("fed-1".hashCode() * 31 + Capsule.fromBytes(CAPSULE).hashCode(), back.hashCode());
  }

  @Test
  void theIdIsOneTo128BytesOfUtf8() {
    assertEquals("x".repeat(128), EncryptedKeyFrag.fromBytes(encoding(new byte[128], 40)).proxyId().replace('\0', 'x'));
    assertEquals("é", EncryptedKeyFrag.fromBytes(encoding("é".getBytes(StandardCharsets.UTF_8), 40)).proxyId());
    assertEquals("malformed encrypted key fragment", refusal(encoding(new byte[0], 40)));
    assertEquals("malformed encrypted key fragment", refusal(encoding(new byte[129], 40)));
    assertEquals("encrypted key fragment proxy id is not valid UTF-8",
        refusal(encoding(new byte[] {'p', (byte) 0xc3}, 40)));
    assertEquals("empty encrypted key fragment", refusal(new byte[0]));
  }

  @Test
  void theCiphertextIsOneToMaxBytesAndFillsTheRest() {
    byte[] id = {'p'};
    assertEquals(MAX, EncryptedKeyFrag.fromBytes(encoding(id, MAX)).ciphertext().length);
    assertEquals(1, EncryptedKeyFrag.fromBytes(encoding(id, 1)).ciphertext().length);
    String bad = "malformed encrypted key fragment ciphertext length";
    assertEquals(bad, refusal(encoding(id, 0)));
    assertEquals(bad, refusal(encoding(id, MAX + 1)));
    byte[] ok = encoding(id, 40);
    assertEquals(bad, refusal(Arrays.copyOf(ok, ok.length + 1)));
    // a length field that promises more than follows
    assertEquals(bad, refusal(Arrays.copyOf(ok, ok.length - 1)));
  }

  @Test
  void everyTruncationIsMalformed() {
    byte[] ok = encoding("fed-2".getBytes(StandardCharsets.UTF_8), 60);
    for (int len = 0; len < ok.length; len++) {
      byte[] cut = Arrays.copyOf(ok, len);
      assertThrows(MalformedEncodingException.class, () -> EncryptedKeyFrag.fromBytes(cut), "length " + len);
    }
    // the id length may promise exactly the bytes of the id, capsule and length field and no more
    byte[] header = Arrays.copyOf(ok, 1 + 5 + 105 + 2);
    assertEquals("malformed encrypted key fragment ciphertext length", refusal(header));
    assertEquals("malformed encrypted key fragment", refusal(Arrays.copyOf(ok, 1 + 5 + 105 + 1)));
  }

  @Test
  void equalityCoversIdCapsuleAndCiphertext() {
    Capsule c = Capsule.fromBytes(CAPSULE);
    EncryptedKeyFrag f = new EncryptedKeyFrag("p", c, ciphertext(40));
    assertEquals(f, new EncryptedKeyFrag("p", c, ciphertext(40)));
    assertNotEquals(f, new EncryptedKeyFrag("q", c, ciphertext(40)));
    assertNotEquals(f, new EncryptedKeyFrag("p", c, ciphertext(41)));
    assertNotEquals(f, new EncryptedKeyFrag("p", Umbral.encrypt(SecretKey.random().publicKey(), new byte[0]).capsule(),
        ciphertext(40)));
    assertNotEquals(f, (Object) "p");
    byte[] copy = f.ciphertext();
    copy[1] ^= 1;
    assertArrayEquals(ciphertext(40), f.ciphertext());
  }
}

package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The envelope header's exact encoding, its bounds and its truncation errors. The capsule and the
 * encrypted key are the reference's (case S01 of {@code vectors/umbral/vectors.json}); the
 * expected bytes are assembled here from the layout in {@link EnvelopeHeader}'s Javadoc.
 */
class EnvelopeHeaderTest {
  private static final JsonNode S01 =
      io.medledger.testing.SharedVectors.json(UmbralVectorsTest.VECTORS).get("cases").get(0);
  private static final byte[] CAPSULE = Hex.decode(S01.get("capsule").asText());
  private static final byte[] KEY = Hex.decode(S01.get("ciphertext").asText());

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static EnvelopeHeader header(byte[] key) {
    return new EnvelopeHeader(Capsule.fromBytes(CAPSULE), key);
  }

  private static EnvelopeHeader read(byte[] bytes) throws Exception {
    return EnvelopeHeader.read(new ByteArrayInputStream(bytes));
  }

  @Test
  void theEncodingIsMagicVersionCapsuleLengthAndKey() throws Exception {
    assertEquals(77, KEY.length);
    byte[] expected = concat("MLEV".getBytes(StandardCharsets.US_ASCII), new byte[] {1}, CAPSULE,
        new byte[] {0, 77}, KEY);
    EnvelopeHeader h = header(KEY);
    assertArrayEquals(expected, h.toBytes());
    // reading stops at the end of the header and leaves the payload in the stream
    ByteArrayInputStream in = new ByteArrayInputStream(concat(expected, new byte[] {9, 8, 7}));
    assertEquals(h, EnvelopeHeader.read(in));
    assertArrayEquals(new byte[] {9, 8, 7}, in.readAllBytes());
    // the chunks' associated data: SHA-256 over the domain string and the header bytes
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update("MedLedger envelope v1".getBytes(StandardCharsets.US_ASCII));
    assertArrayEquals(sha.digest(expected), h.binding().toByteArray());
  }

  @Test
  void theKeyCiphertextIsOneTo256Bytes() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> header(new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> header(new byte[EnvelopeHeader.MAX_KEY_CIPHERTEXT + 1]));
    assertEquals(1, header(new byte[1]).encryptedKey().length);
    EnvelopeHeader max = header(new byte[EnvelopeHeader.MAX_KEY_CIPHERTEXT]);
    assertEquals(max, read(max.toBytes()));

    byte[] h = header(KEY).toBytes();
    int lengthAt = 5 + Capsule.LENGTH;
    for (int n : new int[] {0, EnvelopeHeader.MAX_KEY_CIPHERTEXT + 1, 0xffff}) {
      byte[] bad = concat(Arrays.copyOf(h, lengthAt), new byte[] {(byte) (n >>> 8), (byte) n}, new byte[n]);
      MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> read(bad));
      assertTrue(e.getMessage().contains("length " + n + " out of range"), e.getMessage());
    }
  }

  @Test
  void everyTruncationIsMalformedNotAnEndOfFile() throws Exception {
    byte[] h = header(KEY).toBytes();
    for (int len = 0; len < h.length; len++) {
      byte[] cut = Arrays.copyOf(h, len);
      assertThrows(MalformedEncodingException.class, () -> read(cut), "length " + len);
    }
    assertEquals(header(KEY), read(h));
  }

  @Test
  void anotherVersionOrMagicIsRefused() {
    byte[] h = header(KEY).toBytes();
    for (int i = 0; i < 5; i++) {
      byte[] bad = h.clone();
      bad[i] ^= i == 4 ? 3 : 0x20;
      MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> read(bad), "byte " + i);
      assertEquals("not a version-1 MedLedger record envelope", e.getMessage());
    }
  }

  @Test
  void equalityCoversTheCapsuleAndTheKey() {
    EnvelopeHeader h = header(KEY);
    byte[] other = KEY.clone();
    other[0] ^= 1;
    assertNotEquals(h, header(other));
    assertEquals(h, header(KEY.clone()));
    assertNotEquals(h, new EnvelopeHeader(Umbral.encrypt(SecretKey.random().publicKey(), new byte[0]).capsule(), KEY));
    assertEquals(Capsule.fromBytes(CAPSULE).hashCode(), h.hashCode());
    assertEquals("EnvelopeHeader[" + Capsule.fromBytes(CAPSULE) + "]", h.toString());
    byte[] copy = h.encryptedKey();
    copy[0] ^= 1;
    assertArrayEquals(KEY, h.encryptedKey());
  }
}

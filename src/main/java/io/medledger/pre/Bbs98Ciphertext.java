package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import java.nio.ByteBuffer;

/**
 * A BBS98 ciphertext: two compressed secp256k1 points, the AEAD nonce and the AEAD body.
 *
 * <p>Encoding: {@code c1 (33) || c2 (33) || nonce (12) || body (>= 16)}. Immutable and thread-safe.
 */
public final class Bbs98Ciphertext {
  private static final int HEADER = 33 + 33 + 12;
  private final byte[] c1;
  private final byte[] c2;
  private final byte[] nonce;
  private final byte[] body;

  Bbs98Ciphertext(byte[] c1, byte[] c2, byte[] nonce, byte[] body) {
    this.c1 = c1;
    this.c2 = c2;
    this.nonce = nonce;
    this.body = body;
  }

  /** Equal when the encodings are equal (a ciphertext is public, so this is not constant time). */
  @Override
  public boolean equals(Object o) {
    return o instanceof Bbs98Ciphertext c && java.util.Arrays.equals(c1, c.c1) && java.util.Arrays.equals(c2, c.c2)
        && java.util.Arrays.equals(nonce, c.nonce) && java.util.Arrays.equals(body, c.body);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(toBytes());
  }

  /**
   * Decodes a ciphertext, validating both points.
   *
   * @throws MalformedEncodingException if the bytes are not a well-formed ciphertext
   */
  public static Bbs98Ciphertext fromBytes(byte[] encoded) {
    if (encoded.length < HEADER + 16) {
      throw new MalformedEncodingException("a BBS98 ciphertext is at least " + (HEADER + 16) + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(encoded);
    byte[] c1 = new byte[33];
    byte[] c2 = new byte[33];
    byte[] nonce = new byte[12];
    b.get(c1).get(c2).get(nonce);
    byte[] body = new byte[b.remaining()];
    b.get(body);
    Bbs98.decodePoint(c1);
    Bbs98.decodePoint(c2);
    return new Bbs98Ciphertext(c1, c2, nonce, body);
  }

  /** Returns the canonical encoding. */
  public byte[] toBytes() {
    return ByteBuffer.allocate(HEADER + body.length).put(c1).put(c2).put(nonce).put(body).array();
  }

  byte[] c1() {
    return c1;
  }

  byte[] c2() {
    return c2;
  }

  byte[] nonce() {
    return nonce;
  }

  byte[] body() {
    return body;
  }

  /** Length of the encrypted payload (plaintext plus the 16-byte tag). */
  public int bodyLength() {
    return body.length;
  }

  @Override
  public String toString() {
    return "Bbs98Ciphertext[" + (HEADER + body.length) + " bytes]";
  }
}

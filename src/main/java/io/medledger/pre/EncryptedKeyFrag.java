package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One proxy's key fragment, encrypted to that proxy's Umbral key so that the ledger can carry it
 * publicly. Only the named proxy can decrypt it. Immutable and thread-safe.
 *
 * <p>Encoding: {@code id length (1) || id (UTF-8) || capsule (105) || ciphertext length (2) || ciphertext}.
 */
public final class EncryptedKeyFrag {
  private static final int MAX_CIPHERTEXT = KeyFrag.LENGTH + 64;
  private final String proxyId;
  private final Capsule capsule;
  private final byte[] ciphertext;

  EncryptedKeyFrag(String proxyId, Capsule capsule, byte[] ciphertext) {
    this.proxyId = Objects.requireNonNull(proxyId);
    this.capsule = Objects.requireNonNull(capsule);
    this.ciphertext = ciphertext.clone();
  }

  /** The proxy this fragment is for. */
  public String proxyId() {
    return proxyId;
  }

  Capsule capsule() {
    return capsule;
  }

  byte[] ciphertext() {
    return ciphertext.clone();
  }

  /** The canonical encoding. */
  public byte[] toBytes() {
    byte[] id = proxyId.getBytes(StandardCharsets.UTF_8);
    byte[] c = capsule.toBytes();
    return ByteBuffer.allocate(1 + id.length + c.length + 2 + ciphertext.length)
        .put((byte) id.length).put(id).put(c).putShort((short) ciphertext.length).put(ciphertext).array();
  }

  /**
   * Decodes an encrypted key fragment.
   *
   * @throws MalformedEncodingException if the bytes are malformed or have trailing data
   */
  public static EncryptedKeyFrag fromBytes(byte[] bytes) {
    if (bytes.length == 0) {
      throw new MalformedEncodingException("empty encrypted key fragment");
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      int idLen = b.get() & 0xff;
      if (idLen == 0 || idLen > 128 || b.remaining() < idLen + Capsule.LENGTH + 2) {
        throw new MalformedEncodingException("malformed encrypted key fragment");
      }
      byte[] id = new byte[idLen];
      b.get(id);
      byte[] c = new byte[Capsule.LENGTH];
      b.get(c);
      int n = b.getShort() & 0xffff;
      if (n == 0 || n > MAX_CIPHERTEXT || b.remaining() != n) {
        throw new MalformedEncodingException("malformed encrypted key fragment ciphertext length");
      }
      byte[] ct = new byte[n];
      b.get(ct);
      String proxyId;
      try {
        proxyId = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(id)).toString();
      } catch (java.nio.charset.CharacterCodingException e) {
        throw new MalformedEncodingException("encrypted key fragment proxy id is not valid UTF-8");
      }
      return new EncryptedKeyFrag(proxyId, Capsule.fromBytes(c), ct);
    } catch (java.nio.BufferUnderflowException e) {
      throw new MalformedEncodingException("truncated encrypted key fragment", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncryptedKeyFrag f && f.proxyId.equals(proxyId) && f.capsule.equals(capsule)
        && java.util.Arrays.equals(f.ciphertext, ciphertext);
  }

  @Override
  public int hashCode() {
    return proxyId.hashCode() * 31 + capsule.hashCode();
  }

  @Override
  public String toString() {
    return "EncryptedKeyFrag[proxy=" + proxyId + "]";
  }
}

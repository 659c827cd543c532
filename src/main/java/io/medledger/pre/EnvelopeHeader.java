package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The head of a record envelope: the Umbral capsule and the data key encrypted under it. The
 * capsule is what proxies re-encrypt and what a record entry carries as its encryption metadata.
 *
 * <p>Encoding: {@code "MLEV" || 0x01 || capsule (105) || key length (2, big-endian) || encrypted key}.
 * Immutable and thread-safe.
 *
 * @param capsule the Umbral capsule
 * @param encryptedKey the payload key, encrypted with Umbral's DEM under the capsule
 */
public record EnvelopeHeader(Capsule capsule, byte[] encryptedKey) {
  static final byte[] MAGIC = "MLEV".getBytes(StandardCharsets.US_ASCII);
  static final byte VERSION = 1;
  /** Largest accepted encrypted key: nonce, 32-byte key and tag fit easily. */
  static final int MAX_KEY_CIPHERTEXT = 256;

  /** Validates and copies. */
  public EnvelopeHeader {
    Objects.requireNonNull(capsule, "capsule");
    encryptedKey = encryptedKey.clone();
    if (encryptedKey.length == 0 || encryptedKey.length > MAX_KEY_CIPHERTEXT) {
      throw new IllegalArgumentException("encrypted key length out of range");
    }
  }

  /** A copy of the encrypted key. */
  @Override
  public byte[] encryptedKey() {
    return encryptedKey.clone();
  }

  /** The canonical encoding. */
  public byte[] toBytes() {
    byte[] c = capsule.toBytes();
    return ByteBuffer.allocate(4 + 1 + c.length + 2 + encryptedKey.length)
        .put(MAGIC).put(VERSION).put(c).putShort((short) encryptedKey.length).put(encryptedKey).array();
  }

  /** Associated data that binds every payload chunk to this header. */
  Digest binding() {
    return Sha256.hash("MedLedger envelope v1".getBytes(StandardCharsets.US_ASCII), toBytes());
  }

  /**
   * Reads a header from the start of an envelope stream, leaving the stream at the payload.
   *
   * @throws MalformedEncodingException if the bytes are not a version-1 envelope header
   */
  public static EnvelopeHeader read(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    try {
      byte[] magic = new byte[4];
      d.readFully(magic);
      if (!java.util.Arrays.equals(magic, MAGIC) || d.readByte() != VERSION) {
        throw new MalformedEncodingException("not a version-1 MedLedger record envelope");
      }
      byte[] capsule = new byte[Capsule.LENGTH];
      d.readFully(capsule);
      int n = d.readUnsignedShort();
      if (n == 0 || n > MAX_KEY_CIPHERTEXT) {
        throw new MalformedEncodingException("envelope key ciphertext length " + n + " out of range");
      }
      byte[] key = new byte[n];
      d.readFully(key);
      return new EnvelopeHeader(Capsule.fromBytes(capsule), key);
    } catch (EOFException e) {
      throw new MalformedEncodingException("truncated envelope header", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EnvelopeHeader h && h.capsule.equals(capsule) && java.util.Arrays.equals(h.encryptedKey, encryptedKey);
  }

  @Override
  public int hashCode() {
    return capsule.hashCode();
  }

  @Override
  public String toString() {
    return "EnvelopeHeader[" + capsule + "]";
  }
}

package io.medledger.access;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;

/**
 * A participant's ledger identifier: {@code SHA-256("medledger/participant/v1" || 0x00 || key)}
 * over its raw Ed25519 public key. For a patient this is its pseudonym: it reveals nothing but
 * the key, never a name or national identifier.
 *
 * <p>Immutable and thread-safe.
 */
public final class ParticipantId implements Comparable<ParticipantId> {
  private static final byte[] TAG = "medledger/participant/v1\0".getBytes(StandardCharsets.US_ASCII);

  private final Digest digest;

  private ParticipantId(Digest digest) {
    this.digest = digest;
  }

  /** The identifier derived from {@code key}. */
  public static ParticipantId of(Ed25519PublicKey key) {
    return new ParticipantId(Sha256.hash(TAG, key.toBytes()));
  }

  /** Wraps a digest read from the ledger. */
  public static ParticipantId fromDigest(Digest digest) {
    return new ParticipantId(java.util.Objects.requireNonNull(digest, "digest"));
  }

  /**
   * Parses 64 hex digits.
   *
   * @throws MalformedEncodingException if the text is not 32 bytes of hex
   */
  public static ParticipantId fromHex(String hex) {
    try {
      return new ParticipantId(Digest.fromHex(hex));
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("participant id: " + e.getMessage(), e);
    }
  }

  /** The 32 bytes as a digest. */
  public Digest digest() {
    return digest;
  }

  /** Lowercase hex. */
  public String toHex() {
    return digest.toHex();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParticipantId p && digest.equals(p.digest);
  }

  @Override
  public int hashCode() {
    return digest.hashCode();
  }

  @Override
  public int compareTo(ParticipantId o) {
    return digest.compareTo(o.digest);
  }

  @Override
  public String toString() {
    return toHex();
  }
}

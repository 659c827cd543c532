package io.medledger.chain;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;

/**
 * The de-identified copy of a record's payload, made and sealed by the record's author (the
 * patient's or the clinician's client) in an envelope of its own: research grants reach only
 * this copy, never the full payload. It is stored on the same storage nodes as the payload.
 *
 * <p>Immutable and thread-safe.
 *
 * @param payloadDigest SHA-256 of the encrypted de-identified envelope
 * @param payloadSize its size in bytes
 * @param encryptionMetadata its opaque encryption metadata (the proxy re-encryption capsule)
 */
public record DeidentifiedCopy(Digest payloadDigest, long payloadSize, ByteString encryptionMetadata) {
  /** Validates the fields. */
  public DeidentifiedCopy {
    Checks.notNull(payloadDigest, "payloadDigest");
    Checks.nonNegative(payloadSize, "payloadSize");
    Checks.bytes(encryptionMetadata, "encryptionMetadata", Limits.MAX_ENCRYPTION_METADATA);
  }
}

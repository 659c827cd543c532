package io.medledger.anchor;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What an anchor commits to: the root of the ledger-wide RFC 9162 log at one header, bound to the
 * chain and the height. Because the log covers every entry since genesis, each anchor covers
 * everything before it.
 *
 * <p>The 32-byte commitment is {@code SHA-256(prefix || logRoot)} with
 * {@code prefix = "MedLedger anchor" || 0x01 || chainId (32) || height (8, big-endian) || logSize (8, big-endian)}.
 * The root comes last so that an OpenTimestamps proof reaches the commitment with one
 * {@code prepend} and one {@code sha256}. Immutable and thread-safe.
 *
 * @param chainId the ledger's chain identifier
 * @param height the height of the anchored header
 * @param logSize the number of entries in the ledger-wide log at that header
 * @param logRoot the ledger-wide log's root at that header
 */
public record AnchorCommitment(Digest chainId, long height, long logSize, Digest logRoot) {
  /** The domain-separation tag at the start of the preimage. */
  public static final String TAG = "MedLedger anchor";
  /** The preimage version byte. */
  public static final byte VERSION = 1;
  /** Length of {@link #prefix()}: tag, version, chain id, height and log size. */
  public static final int PREFIX_LENGTH = 16 + 1 + 32 + 8 + 8;

  /** Validates the fields. */
  public AnchorCommitment {
    Objects.requireNonNull(chainId, "chainId");
    Objects.requireNonNull(logRoot, "logRoot");
    if (height < 0 || logSize < 0) {
      throw new IllegalArgumentException("height and logSize must be non-negative");
    }
  }

  /** The bytes before the log root in the commitment's preimage. */
  public byte[] prefix() {
    ByteBuffer b = ByteBuffer.allocate(PREFIX_LENGTH);
    b.put(TAG.getBytes(StandardCharsets.US_ASCII)).put(VERSION);
    chainId.copyTo(b.array(), b.position());
    b.position(b.position() + 32);
    b.putLong(height).putLong(logSize);
    return b.array();
  }

  /** The 32-byte commitment written into Bitcoin. */
  public Digest digest() {
    return Sha256.hash(prefix(), logRoot.toByteArray());
  }

  /** The full 89-byte preimage ({@link #prefix()} then the log root). */
  public byte[] preimage() {
    byte[] p = prefix();
    byte[] out = java.util.Arrays.copyOf(p, PREFIX_LENGTH + 32);
    logRoot.copyTo(out, PREFIX_LENGTH);
    return out;
  }

  /**
   * Parses a preimage made by {@link #preimage()}.
   *
   * @throws MalformedEncodingException if the bytes are not a version-1 commitment preimage
   */
  public static AnchorCommitment fromPreimage(byte[] preimage) {
    if (preimage.length != PREFIX_LENGTH + 32) {
      throw new MalformedEncodingException("an anchor commitment preimage is " + (PREFIX_LENGTH + 32) + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(preimage);
    byte[] tag = new byte[16];
    b.get(tag);
    if (!TAG.equals(new String(tag, StandardCharsets.US_ASCII)) || b.get() != VERSION) {
      throw new MalformedEncodingException("not a version-1 MedLedger anchor commitment");
    }
    Digest chain = Digest.of(preimage, 17);
    b.position(17 + 32);
    long height = b.getLong();
    long size = b.getLong();
    if (height < 0 || size < 0) {
      throw new MalformedEncodingException("negative height or log size in anchor commitment");
    }
    return new AnchorCommitment(chain, height, size, Digest.of(preimage, PREFIX_LENGTH));
  }
}

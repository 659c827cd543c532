package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.codec.BinaryFieldWriter;
import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The header of one patient's sub-block inside a block: the entries about that patient, in
 * block order, linked to the patient's previous sub-block. The chain of sub-blocks of one key
 * is that patient's complete history. Entries about no patient use the all-zero key.
 * Its hash is {@code SHA-256("medledger/sub-block/v1" || 0x00 || encoding)}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param key the patient's pseudonym digest, or {@link #NO_PATIENT}
 * @param height the block height
 * @param previous hash of the previous sub-block of this key, or all zeros for the first
 * @param previousHeight height of the previous sub-block, or -1 for the first
 * @param entryCount number of entries in this sub-block (at least 1)
 * @param totalEntries entries of this key since genesis, this sub-block included
 * @param entriesRoot RFC 9162 root over this sub-block's entries (same leaves as the block)
 */
public record SubBlockHeader(
    Digest key, long height, Digest previous, long previousHeight, int entryCount, long totalEntries,
    Digest entriesRoot) {
  /** The key of the sub-block of entries about no patient. */
  public static final Digest NO_PATIENT = Digest.of(new byte[Digest.LENGTH]);
  /** The previous hash of a key's first sub-block. */
  public static final Digest NONE = NO_PATIENT;
  private static final byte[] TAG = "medledger/sub-block/v1\0".getBytes(StandardCharsets.US_ASCII);

  /** Validates the fields. */
  public SubBlockHeader {
    Checks.notNull(key, "key");
    Checks.nonNegative(height, "height");
    Checks.notNull(previous, "previous");
    Checks.notNull(entriesRoot, "entriesRoot");
    if (previous.equals(NONE) != (previousHeight == -1)) {
      throw new IllegalArgumentException("previous hash and height are both absent or both present");
    }
    if (previousHeight < -1 || previousHeight >= height) {
      throw new IllegalArgumentException("previous sub-block must be earlier");
    }
    if (entryCount < 1 || entryCount > Limits.MAX_BLOCK_ENTRIES) {
      throw new IllegalArgumentException("a sub-block holds 1.." + Limits.MAX_BLOCK_ENTRIES + " entries");
    }
    if (totalEntries < entryCount || (previousHeight == -1 && totalEntries != entryCount)) {
      throw new IllegalArgumentException("total entries inconsistent");
    }
  }

  /** The patient, or empty for the no-patient sub-block. */
  public Optional<ParticipantId> patient() {
    return key.equals(NO_PATIENT) ? Optional.empty() : Optional.of(ParticipantId.fromDigest(key));
  }

  /** The canonical encoding. */
  public byte[] encode() {
    BinaryFieldWriter w = new BinaryFieldWriter(160);
    write(w);
    return w.toByteArray();
  }

  /** The sub-block hash. */
  public Digest hash() {
    return Sha256.hash(TAG, encode());
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /**
   * Decodes a canonical encoding.
   *
   * @throws MalformedEncodingException if the bytes are not one valid sub-block header
   */
  public static SubBlockHeader decode(byte[] bytes) {
    return Codecs.decode(bytes, 1024, "sub-block header", SubBlockHeader::read);
  }

  /**
   * Parses the JSON view.
   *
   * @throws MalformedEncodingException if the text is not one valid sub-block header
   */
  public static SubBlockHeader fromJson(String json) {
    return Codecs.fromJson(json, 4096, "sub-block header", SubBlockHeader::read);
  }

  void write(FieldWriter w) {
    w.u8("version", 1);
    w.digest("key", key);
    w.i64("height", height);
    w.digest("previous", previous);
    w.i64("previousHeight", previousHeight);
    w.u32("entryCount", entryCount);
    w.i64("totalEntries", totalEntries);
    w.digest("entriesRoot", entriesRoot);
  }

  static SubBlockHeader read(FieldReader r) {
    int version = r.u8("version");
    if (version != 1) {
      throw new MalformedEncodingException("unknown sub-block version " + version);
    }
    return Codecs.guard("sub-block header", () -> new SubBlockHeader(r.digest("key"), r.i64("height"),
        r.digest("previous"), r.i64("previousHeight"), r.u32("entryCount", Limits.MAX_BLOCK_ENTRIES),
        r.i64("totalEntries"), r.digest("entriesRoot")));
  }
}

package io.medledger.chain;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.codec.BinaryFieldWriter;
import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import java.util.Objects;

/**
 * A block with its consensus certificate: what the block store holds (as this type's canonical
 * encoding) and what a lagging node fetches. Unverified until {@link Ledger#append(CertifiedBlock)}
 * accepts it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param block the block
 * @param certificate its certificate
 */
public record CertifiedBlock(Block block, Certificate certificate) {
  /** Checks for nulls. */
  public CertifiedBlock {
    Objects.requireNonNull(block, "block");
    Objects.requireNonNull(certificate, "certificate");
  }

  /** The header. */
  public BlockHeader header() {
    return block.header();
  }

  /** The canonical encoding: version byte 1, the block, the certificate. */
  public byte[] encode() {
    BinaryFieldWriter w = new BinaryFieldWriter((int) Math.min(Integer.MAX_VALUE - 8,
        1 + block.encodedSize() + certificate.encodedSize()));
    write(w);
    return w.toByteArray();
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /**
   * Decodes a canonical encoding.
   *
   * @throws MalformedEncodingException if the bytes are not one well-formed certified block
   */
  public static CertifiedBlock decode(byte[] bytes) {
    return Codecs.decode(bytes, Limits.MAX_BLOCK_BYTES, "certified block", CertifiedBlock::read);
  }

  /**
   * Parses the JSON view.
   *
   * @throws MalformedEncodingException if the text is not one well-formed certified block
   */
  public static CertifiedBlock fromJson(String json) {
    return Codecs.fromJson(json, 4 * Limits.MAX_BLOCK_BYTES, "certified block", CertifiedBlock::read);
  }

  /** Where a certified block's encoding splits: the block is bytes 1 to {@code blockEnd}. */
  record Split(int blockEnd, Certificate certificate) {}

  /**
   * Splits an encoded certified block into its block's encoding and its certificate, skipping
   * the entries by their length prefixes without decoding them (for serving stored blocks).
   *
   * @throws MalformedEncodingException if the bytes are not a certified block's layout
   */
  static Split split(byte[] bytes) {
    return Codecs.guard("certified block", () -> {
      io.medledger.internal.codec.BinaryFieldReader r = new io.medledger.internal.codec.BinaryFieldReader(bytes);
      if (r.u8("version") != 1 || r.u8("block version") != Block.VERSION) {
        throw new MalformedEncodingException("unknown certified block version");
      }
      BlockHeader.read(r);
      int n = r.rawU32("entry count", Limits.MAX_BLOCK_ENTRIES);
      for (int i = 0; i < n; i++) {
        r.skip(r.rawU32("entry length", Math.min(Limits.MAX_ENTRY_BYTES, r.remaining())), "entry");
      }
      int end = r.position();
      Certificate c = Certificate.read(r);
      r.finish();
      return new Split(end, c);
    });
  }

  void write(FieldWriter w) {
    w.u8("version", 1);
    w.object("block", block::write);
    w.object("certificate", certificate::write);
  }

  static CertifiedBlock read(FieldReader r) {
    int version = r.u8("version");
    if (version != 1) {
      throw new MalformedEncodingException("unknown certified block version " + version);
    }
    Block b = r.object("block", Block::read);
    Certificate c = r.object("certificate", Certificate::read);
    return new CertifiedBlock(b, c);
  }
}

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
    BinaryFieldWriter w = new BinaryFieldWriter(block.estimatedSize() + 256);
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

package io.medledger.chain;

import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The consensus certificate of a block, kept beside its header and outside the header hash:
 * signatures (sorted by key, one per signer) plus opaque protocol data. Which signatures
 * suffice is decided by a {@link CertificatePolicy}; {@link #voteMessage} is the message the
 * built-in audit-quorum policy expects each signer to have signed.
 *
 * <p>Immutable and thread-safe.
 *
 * @param signatures the signatures
 * @param data opaque consensus data (at most {@link Limits#MAX_CONSENSUS_DATA} bytes)
 */
public record Certificate(List<Endorsement> signatures, ByteString data) {
  private static final byte[] VOTE_TAG = "medledger/block-vote/v1\0".getBytes(StandardCharsets.US_ASCII);

  /** An empty certificate (for chains whose policy needs no signatures). */
  public static final Certificate EMPTY = new Certificate(List.of(), ByteString.EMPTY);

  /** Validates the fields. */
  public Certificate {
    signatures = Checks.sortedDistinct(signatures, "signatures", Limits.MAX_CERTIFICATE_SIGNATURES);
    Checks.bytes(data, "data", Limits.MAX_CONSENSUS_DATA);
  }

  /** The message a voter signs to certify {@code header}: tag || chain id || header hash. */
  public static byte[] voteMessage(BlockHeader header) {
    byte[] m = new byte[VOTE_TAG.length + 2 * Digest.LENGTH];
    System.arraycopy(VOTE_TAG, 0, m, 0, VOTE_TAG.length);
    header.chainId().copyTo(m, VOTE_TAG.length);
    header.hash().copyTo(m, VOTE_TAG.length + Digest.LENGTH);
    return m;
  }

  /** A certificate with votes by {@code keys} on {@code header} (for tests and simple protocols). */
  public static Certificate sign(BlockHeader header, Ed25519PrivateKey... keys) {
    byte[] m = voteMessage(header);
    List<Endorsement> sigs = new java.util.ArrayList<>();
    for (Ed25519PrivateKey k : keys) {
      sigs.add(Endorsement.sign(k, m));
    }
    sigs.sort(null);
    return new Certificate(sigs, ByteString.EMPTY);
  }

  /** The canonical encoding. */
  public byte[] encode() {
    return Codecs.encode(this::write);
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /** The exact length of {@link #encode()}. */
  long encodedSize() {
    long n = 1 + 4 + 4 + data.size(); // version, the signatures' count, the data's length and bytes
    for (Endorsement e : signatures) {
      n += 4 + Digest.LENGTH + 4 + e.signature().size(); // the item's length, signer, signature
    }
    return n;
  }

  /**
   * Decodes a canonical encoding.
   *
   * @throws MalformedEncodingException if the bytes are not one valid certificate
   */
  public static Certificate decode(byte[] bytes) {
    return Codecs.decode(bytes, 1 << 20, "certificate", Certificate::read);
  }

  /**
   * Parses the JSON view.
   *
   * @throws MalformedEncodingException if the text is not one valid certificate
   */
  public static Certificate fromJson(String json) {
    return Codecs.fromJson(json, 4 << 20, "certificate", Certificate::read);
  }

  void write(FieldWriter w) {
    w.u8("version", 1);
    w.objectList("signatures", signatures, EntryCodec::writeEndorsement);
    w.bytes("data", data);
  }

  static Certificate read(FieldReader r) {
    int version = r.u8("version");
    if (version != 1) {
      throw new MalformedEncodingException("unknown certificate version " + version);
    }
    List<Endorsement> sigs = r.objectList("signatures", Limits.MAX_CERTIFICATE_SIGNATURES, EntryCodec::readEndorsement);
    ByteString data = r.bytes("data", Limits.MAX_CONSENSUS_DATA);
    return Codecs.guard("certificate", () -> new Certificate(sigs, data));
  }
}

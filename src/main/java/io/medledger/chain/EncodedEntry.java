package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.codec.BinaryFieldWriter;
import io.medledger.merkle.Rfc9162;

/** An entry with its canonical encoding, so blocks hash and sign-check without re-encoding. */
final class EncodedEntry {
  final Entry entry;
  final byte[] encoded;
  final int contentLength;
  private Digest id;
  private Digest leafHash;

  EncodedEntry(Entry entry, byte[] encoded, int contentLength) {
    this.entry = entry;
    this.encoded = encoded;
    this.contentLength = contentLength;
  }

  static EncodedEntry of(Entry e) {
    BinaryFieldWriter w = new BinaryFieldWriter(512);
    EntryCodec.writeContent(e, w);
    int content = w.size();
    w.objectList("endorsements", e.endorsements(), EntryCodec::writeEndorsement);
    return new EncodedEntry(e, w.toByteArray(), content);
  }

  Digest id() {
    Digest d = id;
    if (d == null) {
      d = Sha256.hash(encoded, 0, contentLength);
      id = d;
    }
    return d;
  }

  Digest leafHash() {
    Digest d = leafHash;
    if (d == null) {
      d = Rfc9162.leafHash(encoded);
      leafHash = d;
    }
    return d;
  }

  byte[] signingMessage(Digest chainId) {
    return EntryCodec.signingMessage(chainId, java.util.Arrays.copyOf(encoded, contentLength));
  }
}

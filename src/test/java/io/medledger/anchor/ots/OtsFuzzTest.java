package io.medledger.anchor.ots;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.anchor.AnchorReceiptTest;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.testing.DecoderFuzzing;
import io.medledger.testing.DecoderSpec;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the OpenTimestamps proof parser; parsed proofs are also walked (commitments) and checked
 * against a header source, as {@code ots info} and {@code ots verify} do. See {@link DecoderFuzzing}.
 */
class OtsFuzzTest extends DecoderFuzzing {
  private FileHeaderSource headers;
  private AnchorReceiptTest.Fixture fixture;

  @FuzzTest
  void fuzz(byte[] data) {
    fuzzOne(data);
  }

  private AnchorReceiptTest.Fixture fixture() {
    if (fixture == null) {
      fixture = new AnchorReceiptTest.Fixture();
      headers = FileHeaderSource.of(Map.of(fixture.height, fixture.header));
    }
    return fixture;
  }

  private OtsTimestamp parse(byte[] b) {
    OtsTimestamp t = OtsTimestamp.parse(b);
    t.commitments();
    t.fileDigestHex();
    fixture();
    t.verifyBitcoin(headers, BitcoinChainParams.REGTEST);
    return t;
  }

  @Override
  protected List<DecoderSpec<?>> specs() {
    return List.of(DecoderSpec.canonical("ots", this::parse, OtsTimestamp::serialize).byEncoding());
  }

  @Override
  protected List<Seed> seeds() {
    AnchorReceiptTest.Fixture f = fixture();
    return List.of(new Seed(0, "receipt-0", f.receipt(0).toOpenTimestamps()),
        new Seed(0, "receipt-36", f.receipt(36).toOpenTimestamps()));
  }
}

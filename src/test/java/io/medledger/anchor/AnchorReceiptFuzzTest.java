package io.medledger.anchor;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.crypto.Sha256;
import io.medledger.testing.DecoderFuzzing;
import io.medledger.testing.DecoderSpec;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Fuzzes anchor receipts (JSON; parsed receipts are verified against the headers and exported as
 * OpenTimestamps proofs, as {@code receipt verify} and {@code receipt export-ots} do) and headers
 * files (a JSON object from heights to header hex). See {@link DecoderFuzzing}.
 */
class AnchorReceiptFuzzTest extends DecoderFuzzing {
  private AnchorReceiptTest.Fixture fixture;

  @FuzzTest
  void fuzz(byte[] data) {
    fuzzOne(data);
  }

  private AnchorReceiptTest.Fixture fixture() {
    if (fixture == null) {
      fixture = new AnchorReceiptTest.Fixture();
    }
    return fixture;
  }

  private AnchorReceipt receipt(byte[] b) {
    AnchorReceipt r = AnchorReceipt.fromJson(new String(b, StandardCharsets.UTF_8));
    r.verify(fixture().headers());
    r.stampedFile();
    if (r.isComplete()) {
      try {
        r.toOpenTimestamps().serialize();
      } catch (AnchorException e) {
        // documented: the transaction part does not fit the format's argument limit
      }
    }
    return r;
  }

  static byte[] headersJson(FileHeaderSource s) {
    return s.headers().entrySet().stream()
        .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue().toHex() + "\"")
        .collect(Collectors.joining(",", "{", "}")).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  protected List<DecoderSpec<?>> specs() {
    return List.of(
        DecoderSpec.textual("receipt", this::receipt, (AnchorReceipt r) -> r.toJson().getBytes(StandardCharsets.UTF_8))
            .comparedBy((a, b) -> a.toJson().equals(b.toJson())),
        DecoderSpec.textual("headers", (byte[] b) -> FileHeaderSource.parse(new ByteArrayInputStream(b)),
            AnchorReceiptFuzzTest::headersJson).comparedBy((a, b) -> a.headers().equals(b.headers())));
  }

  @Override
  protected List<Seed> seeds() {
    AnchorReceiptTest.Fixture f = fixture();
    Map<Long, BitcoinBlockHeader> chain = new TreeMap<>();
    BitcoinBlockHeader prev = f.header;
    chain.put(f.height, prev);
    BitcoinBlockHeader next = BitcoinBlockHeader.of(0x20000000, prev.hash(), Sha256.hash(new byte[] {1}),
        1_780_000_600L, 0x207fffff, 0);
    chain.put(f.height + 1, next);
    AnchorReceipt pending = AnchorReceipt.pending(f.entries.get(3), f.log.inclusionProof(3, f.log.size()),
        f.commitment);
    return List.of(
        new Seed(0, "anchored", f.receipt(0)),
        new Seed(0, "anchored-36", f.receipt(36)),
        new Seed(0, "pending", pending),
        new Seed(1, "one", FileHeaderSource.of(Map.of(f.height, f.header))),
        new Seed(1, "two", FileHeaderSource.of(chain)));
  }
}

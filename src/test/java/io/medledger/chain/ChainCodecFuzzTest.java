package io.medledger.chain;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.crypto.Digest;
import io.medledger.testing.DecoderFuzzing;
import io.medledger.testing.DecoderSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Fuzzes the binary ledger codecs (entries of every kind, blocks, headers, certificates, certified
 * blocks, sub-block headers, patient-head proofs, patient history pages) and, with the selector's high half, their JSON
 * forms. See {@link DecoderFuzzing}.
 */
class ChainCodecFuzzTest extends DecoderFuzzing {
  static final Digest CHAIN = ChainFixture.digest("fuzz-chain");

  @FuzzTest
  void fuzz(byte[] data) {
    fuzzOne(data);
  }

  private static <T> DecoderSpec<T> json(String name, Function<String, T> parse, Function<T, String> print) {
    return DecoderSpec.textual(name + "-json", b -> parse.apply(new String(b, StandardCharsets.UTF_8)),
        v -> print.apply(v).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  protected List<DecoderSpec<?>> specs() {
    return List.of(
        DecoderSpec.canonical("entry", Entry::decode, Entry::encode),
        DecoderSpec.canonical("block", Block::decode, Block::encode),
        DecoderSpec.canonical("header", BlockHeader::decode, BlockHeader::encode),
        DecoderSpec.canonical("certificate", Certificate::decode, Certificate::encode),
        DecoderSpec.canonical("certified-block", CertifiedBlock::decode, CertifiedBlock::encode),
        DecoderSpec.canonical("sub-block-header", SubBlockHeader::decode, SubBlockHeader::encode),
        DecoderSpec.canonical("patient-head-proof", PatientHeadProof::decode, PatientHeadProof::encode),
        json("entry", Entry::fromJson, Entry::toJson),
        json("block", Block::fromJson, Block::toJson),
        json("header", BlockHeader::fromJson, BlockHeader::toJson),
        json("certificate", Certificate::fromJson, Certificate::toJson),
        json("certified-block", CertifiedBlock::fromJson, CertifiedBlock::toJson),
        json("sub-block-header", SubBlockHeader::fromJson, SubBlockHeader::toJson),
        json("patient-head-proof", PatientHeadProof::fromJson, PatientHeadProof::toJson),
        // appended, so that the committed seeds' selectors keep their specs
        DecoderSpec.canonical("patient-history-page", PatientHistoryPage::decode, PatientHistoryPage::encode));
  }

  @Override
  protected List<Seed> seeds() {
    List<Seed> out = new ArrayList<>();
    RandomEntries g = new RandomEntries(42, CHAIN);
    for (EntryKind k : EntryKind.values()) {
      Entry e = g.entry(k);
      out.add(new Seed(0, k.name().toLowerCase(java.util.Locale.ROOT), e));
      if (k.ordinal() % 3 == 0) {
        out.add(new Seed(7, k.name().toLowerCase(java.util.Locale.ROOT), e));
      }
    }
    Block b = new Block(g.header(1), List.of(g.entry(EntryKind.values()[0])));
    Certificate c = g.certificate();
    SubBlockHeader sb = new SubBlockHeader(g.digest(), 5, g.digest(), 2, 3, 9, g.digest());
    PatientHeadProof p = new PatientHeadProof(g.digest(), List.of(g.digest(), g.digest()), null, null);
    Object[] values = {b, b.header(), c, new CertifiedBlock(b, c), sb, p};
    for (int i = 0; i < values.length; i++) {
      out.add(new Seed(1 + i, "a", values[i]));
      out.add(new Seed(8 + i, "a", values[i]));
    }
    Entry one = g.entry(EntryKind.values()[0]);
    SubBlockHeader oneEntry = new SubBlockHeader(g.digest(), 5, g.digest(), 1, 3, 9, g.digest());
    out.add(new Seed(14, "last", new PatientHistoryPage(g.digest(), 9, java.util.Optional.of(p), List.of())));
    out.add(new Seed(14, "middle", new PatientHistoryPage(g.digest(), 9, java.util.Optional.empty(),
        List.of(new PatientHistoryProof.SubBlock(oneEntry, List.of(one))))));
    return out;
  }
}

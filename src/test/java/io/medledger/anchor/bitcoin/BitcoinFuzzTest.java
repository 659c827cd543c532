package io.medledger.anchor.bitcoin;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.crypto.Sha256;
import io.medledger.testing.DecoderFuzzing;
import io.medledger.testing.DecoderSpec;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Fuzzes the Bitcoin decoders: transactions (legacy and BIP 144), scripts and what is read from
 * them (type, payload, pushes, addresses), block headers, addresses and WIF keys. Decoded values
 * are also put through their consumers (ids, sizes, sanity checks). See {@link DecoderFuzzing}.
 */
class BitcoinFuzzTest extends DecoderFuzzing {
  @FuzzTest
  void fuzz(byte[] data) {
    fuzzOne(data);
  }

  static Transaction transaction(byte[] b) {
    Transaction t = Transaction.parse(b);
    t.txid();
    t.wtxid();
    t.weight();
    t.vsize();
    t.checkSanity();
    t.signalsRbf();
    t.isCoinbase();
    for (TxOutput o : t.outputs()) {
      script(o.scriptPubKey());
    }
    for (TxInput i : t.inputs()) {
      script(i.scriptSig());
    }
    return t;
  }

  static Script script(Script s) {
    s.type();
    s.payload();
    s.opReturnData();
    s.pushedItems();
    s.witnessVersion();
    for (Network n : Network.values()) {
      try {
        Address a = Address.fromScript(s, n);
        if (!Address.parse(a.toString(), n).equals(a)) {
          throw new AssertionError("address " + a + " does not parse back");
        }
      } catch (IllegalArgumentException e) {
        // not every script has an address
      }
    }
    return s;
  }

  private static <T> DecoderSpec<T> text(String name, Function<String, T> parse, Function<T, String> print) {
    return DecoderSpec.canonical(name, b -> parse.apply(new String(b, StandardCharsets.UTF_8)),
        v -> print.apply(v).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  protected List<DecoderSpec<?>> specs() {
    return List.of(
        DecoderSpec.canonical("transaction", BitcoinFuzzTest::transaction, Transaction::serialize),
        DecoderSpec.canonical("script", b -> script(Script.of(b)), Script::toByteArray),
        DecoderSpec.canonical("block-header", BitcoinBlockHeader::parse, BitcoinBlockHeader::serialize),
        text("address", Address::parse, Address::toString).comparedBy((a, b) -> a.toString().equals(b.toString())),
        text("wif", w -> BitcoinPrivateKey.fromWif(w.toCharArray()), k -> new String(k.exportSecretWif()))
            .comparedBy((a, b) -> java.util.Arrays.equals(a.exportSecretWif(), b.exportSecretWif())));
  }

  @Override
  protected List<Seed> seeds() {
    Random r = new Random(5);
    SecureRandom sr = new SecureRandom() {
      private static final long serialVersionUID = 1L;

      @Override
      public void nextBytes(byte[] bytes) {
        r.nextBytes(bytes);
      }
    };
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, sr);
    BitcoinPrivateKey main = BitcoinPrivateKey.generate(Network.MAINNET, sr);
    Script p2wpkh = key.publicKey().p2wpkhScript();
    OutPoint op = new OutPoint(Sha256.hash(new byte[] {7}), 1);
    Transaction legacy = new Transaction(2, List.of(TxInput.unsigned(op, TxInput.SEQUENCE_RBF)
        .withScriptSig(Script.ofPushes(new byte[71], new byte[33]))),
        List.of(new TxOutput(0, Script.opReturn("MDLG commitment".getBytes(StandardCharsets.UTF_8))),
            new TxOutput(40_000, p2wpkh)), 0);
    Transaction segwit = new Transaction(2, List.of(TxInput.unsigned(op, TxInput.SEQUENCE_FINAL)
        .withWitness(WitnessStack.of(new byte[72], new byte[33]))),
        List.of(new TxOutput(12_345, main.publicKey().p2wpkhScript())), 800_000);
    byte[] x32 = Sha256.hash(new byte[] {9}).toByteArray();
    return List.of(
        new Seed(0, "legacy", Transaction.parse(legacy.serialize())),
        new Seed(0, "segwit", Transaction.parse(segwit.serialize())),
        new Seed(1, "p2wpkh", p2wpkh),
        new Seed(1, "op-return", Script.opReturn(new byte[] {1, 2, 3})),
        new Seed(1, "p2pkh", Script.p2pkh(new byte[20])),
        new Seed(1, "p2sh", Script.p2sh(new byte[20])),
        new Seed(1, "p2tr", Script.p2tr(x32)),
        new Seed(2, "a", BitcoinBlockHeader.of(0x20000000, Sha256.hash(new byte[] {3}), Sha256.hash(new byte[] {4}),
            1_780_000_000L, 0x207fffff, 7)),
        new Seed(3, "bech32", Address.fromScript(p2wpkh, Network.REGTEST)),
        new Seed(3, "bech32m", Address.fromScript(Script.p2tr(x32), Network.MAINNET)),
        new Seed(3, "base58", Address.fromScript(Script.p2pkh(new byte[20]), Network.MAINNET)),
        new Seed(4, "compressed", main));
  }
}

package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.bitcoinj.base.Coin;
import org.bitcoinj.core.TransactionInput;
import org.junit.jupiter.api.Test;

/**
 * The anchor transaction builder, with bitcoinj 0.17 as an independent oracle: every transaction
 * built here is parsed by bitcoinj (same txid, wtxid and vsize) and each P2PKH and P2WPKH input
 * passes bitcoinj's {@code Script.correctlySpends} with all verify flags, given the spent output
 * and amount.
 *
 * <p>bitcoinj 0.17 cannot verify taproot: for a P2TR output its interpreter only runs the legacy
 * script ({@code OP_1 <32 bytes>}), which succeeds whatever the witness holds. P2TR inputs are
 * therefore verified with this library's BIP 340 verifier (itself checked against every BIP 340
 * and BIP 341 vector), via {@link InputVerifier}, and by showing that a corrupted signature fails.
 */
class AnchorTransactionBuilderTest {
  private static final Digest COMMITMENT = Sha256.hash("ledger root at height 1000".getBytes());

  private static SecureRandom fixedRandom(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(seed);
      return r;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static Digest randomTxid(Random r) {
    byte[] b = new byte[32];
    r.nextBytes(b);
    return Digest.of(b);
  }

  private static Script scriptOf(BitcoinPrivateKey key, ScriptType t) {
    switch (t) {
      case P2PKH:
        return key.publicKey().p2pkhScript();
      case P2WPKH:
        return key.publicKey().p2wpkhScript();
      default:
        return key.publicKey().p2trScript();
    }
  }

  /** Checks one built transaction with bitcoinj and our verifier; returns it parsed by bitcoinj. */
  static org.bitcoinj.core.Transaction checkWithOracles(AnchorTransaction at) {
    Transaction tx = at.transaction();
    byte[] raw = tx.serialize();
    org.bitcoinj.core.Transaction bj = org.bitcoinj.core.Transaction.read(ByteBuffer.wrap(raw));
    assertEquals(tx.txidHex(), bj.getTxId().toString());
    assertEquals(tx.wtxidHex(), bj.getWTxId().toString());
    assertEquals(tx.vsize(), bj.getVsize());
    assertEquals(tx, Transaction.parse(raw));
    List<TxOutput> spent = at.spentOutputs();
    for (int i = 0; i < tx.inputs().size(); i++) {
      Utxo u = at.spent().get(i);
      assertEquals(u.outPoint(), tx.inputs().get(i).outPoint());
      assertEquals(TxInput.SEQUENCE_RBF, tx.inputs().get(i).sequence());
      assertEquals(InputVerification.Status.VALID, InputVerifier.verifyStandard(tx, i, spent).status());
      TransactionInput in = bj.getInput(i);
      if (u.scriptPubKey().type() == ScriptType.P2TR) {
        assertEquals(1, tx.inputs().get(i).witness().size());
        byte[] sig = tx.inputs().get(i).witness().item(0);
        assertEquals(64, sig.length);
        sig[10] ^= 1;
        Transaction bad = tx.withInput(i, tx.inputs().get(i).withWitness(WitnessStack.of(sig)));
        assertEquals(InputVerification.Status.INVALID, InputVerifier.verify(bad, i, spent).status());
      } else {
        org.bitcoinj.script.Script spk = org.bitcoinj.script.Script.parse(u.scriptPubKey().toByteArray());
        in.getScriptSig().correctlySpends(bj, i, in.getWitness(), Coin.valueOf(u.value()), spk,
            org.bitcoinj.script.Script.ALL_VERIFY_FLAGS);
        // The oracle is not vacuous: a wrong amount (segwit) or a wrong script (legacy) fails.
        if (u.scriptPubKey().type() == ScriptType.P2PKH) {
          org.bitcoinj.script.Script other = org.bitcoinj.script.Script.parse(Script.p2pkh(new byte[20]).toByteArray());
          assertThrows(org.bitcoinj.script.ScriptException.class, () -> in.getScriptSig().correctlySpends(bj,
              bj.getInputs().indexOf(in), in.getWitness(), Coin.valueOf(u.value()), other,
              org.bitcoinj.script.Script.ALL_VERIFY_FLAGS));
        } else {
          // bitcoinj's P2WPKH check takes the key from the witness without comparing it with the
          // witness program, so that part is checked here with bitcoinj's own HASH160.
          assertArrayEquals(u.scriptPubKey().payload().orElseThrow(),
              org.bitcoinj.crypto.ECKey.fromPublicOnly(in.getWitness().getPush(1)).getPubKeyHash());
        }
        if (u.scriptPubKey().type() == ScriptType.P2WPKH) {
          assertThrows(org.bitcoinj.script.ScriptException.class, () -> in.getScriptSig().correctlySpends(bj,
              bj.getInputs().indexOf(in), in.getWitness(), Coin.valueOf(u.value() + 1), spk,
              org.bitcoinj.script.Script.ALL_VERIFY_FLAGS));
        }
      }
    }
    // Output 0 is the anchor; the fee is what the inputs leave.
    assertEquals(0, tx.outputs().get(0).value());
    assertEquals(COMMITMENT, OpReturnAnchor.find(tx).orElseThrow());
    assertEquals("6a254d444c4701" + COMMITMENT.toHex(), tx.outputs().get(0).scriptPubKey().toHex());
    assertEquals(at.fee(), tx.fee(spent));
    assertTrue(at.fee() >= at.feeRate().feeFor(tx.vsize()), "fee covers the signed size");
    if (at.changeIndex() >= 0) {
      TxOutput change = tx.outputs().get(at.changeIndex());
      assertEquals(at.changeAddress().scriptPubKey(), change.scriptPubKey());
      assertFalse(change.isDust());
      // With change, the fee is the rate times the signed vsize (at most one vbyte of slack
      // when a re-signed ECDSA signature came out a byte shorter).
      assertTrue(at.fee() <= at.feeRate().feeFor(tx.vsize() + 1), at.fee() + " vs " + tx.vsize());
      assertEquals(2, tx.outputs().size());
    } else {
      assertEquals(1, tx.outputs().size());
    }
    assertTrue(tx.signalsRbf());
    assertEquals(2, tx.version());
    return bj;
  }

  @Test
  void singleP2wpkhInputWithChangeOnRegtest() {
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.TESTNET, fixedRandom(1));
    Address change = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    Utxo u = new Utxo(new OutPoint(randomTxid(new Random(1)), 3), 100_000, key.publicKey().p2wpkhScript());
    AnchorTransaction at = AnchorTransactionBuilder.create(key, change).addUtxo(u)
        .feeRate(FeeRate.ofSatPerVbyte(5)).build(COMMITMENT);
    checkWithOracles(at);
    assertEquals(1, at.changeIndex());
    assertEquals(100_000 - at.fee(), at.changeOutput().orElseThrow().value());
    // One P2WPKH input, OP_RETURN and P2WPKH change: 10.5 + 68 (±0.25) + 48 + 31 vbytes.
    assertTrue(at.transaction().vsize() >= 156 && at.transaction().vsize() <= 158, "vsize " + at.transaction().vsize());
    // ECDSA signing is deterministic (RFC 6979): the same inputs give the same transaction.
    AnchorTransaction again = AnchorTransactionBuilder.create(key, change).addUtxo(u)
        .feeRate(FeeRate.ofSatPerVbyte(5)).build(COMMITMENT);
    assertEquals(at.toHex(), again.toHex());
  }

  @Test
  void mixedInputsP2pkhP2wpkhP2trAllSelected() {
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.MAINNET, fixedRandom(2));
    Address change = Address.fromScript(key.publicKey().p2trScript(), Network.MAINNET);
    Random r = new Random(2);
    // Largest-first: the fee at 3 sat/vB exceeds each prefix until all three are in.
    List<Utxo> utxos = List.of(
        new Utxo(new OutPoint(randomTxid(r), 0), 300, key.publicKey().p2wpkhScript()),
        new Utxo(new OutPoint(randomTxid(r), 1), 500, key.publicKey().p2pkhScript()),
        new Utxo(new OutPoint(randomTxid(r), 2), 290, key.publicKey().p2trScript()));
    AnchorTransaction at = AnchorTransactionBuilder.create(key, change).addUtxos(utxos)
        .feeRate(FeeRate.ofSatPerVbyte(3)).random(fixedRandom(3)).build(COMMITMENT);
    checkWithOracles(at);
    assertEquals(3, at.transaction().inputs().size());
    assertEquals(List.of(utxos.get(1), utxos.get(0), utxos.get(2)), at.spent(), "largest first");
    assertEquals(-1, at.changeIndex(), "remaining 94 sat is below the P2TR dust limit of 330");
    assertEquals(1090, at.fee());
  }

  @Test
  void randomUtxoMixesAgreeWithBitcoinj() {
    int seeds = Integer.getInteger("medledger.test.seeds", 200) / 4;
    Random r = new Random(42);
    BitcoinPrivateKey compressed = BitcoinPrivateKey.generate(Network.TESTNET, fixedRandom(4));
    BitcoinPrivateKey uncompressed = BitcoinPrivateKey.fromSecretBytes(
        BitcoinPrivateKey.generate(Network.TESTNET, fixedRandom(5)).exportSecretBytes(), Network.TESTNET, false);
    ScriptType[] types = {ScriptType.P2PKH, ScriptType.P2WPKH, ScriptType.P2TR};
    Set<String> seen = new HashSet<>();
    int built = 0;
    for (int s = 0; s < seeds; s++) {
      boolean useUncompressed = s % 7 == 6;
      BitcoinPrivateKey key = useUncompressed ? uncompressed : compressed;
      int n = 1 + r.nextInt(6);
      FeeRate rate = new FeeRate(1000 + r.nextInt(40_000));
      List<Utxo> utxos = new ArrayList<>();
      Set<ScriptType> kinds = new HashSet<>();
      for (int i = 0; i < n; i++) {
        ScriptType t = useUncompressed ? ScriptType.P2PKH : types[r.nextInt(3)];
        // Values near the cost of spending them make multi-input selections likely; some are
        // large enough to leave change.
        long value = s % 2 == 1 && r.nextInt(3) == 0 ? (long) Math.pow(10, 4 + r.nextDouble() * 2)
            : Math.max(1, rate.satPerKvB() * (50 + r.nextInt(70)) / 1000);
        utxos.add(new Utxo(new OutPoint(randomTxid(r), r.nextInt(5)), value, scriptOf(key, t)));
      }
      Address change = Address.fromScript(
          scriptOf(compressed, types[r.nextInt(3)]), r.nextBoolean() ? Network.TESTNET : Network.REGTEST);
      AnchorTransactionBuilder b = AnchorTransactionBuilder.create(key, change).addUtxos(utxos).feeRate(rate)
          .random(fixedRandom(s));
      AnchorTransaction at;
      try {
        at = b.build(COMMITMENT);
      } catch (InsufficientFundsException e) {
        long total = utxos.stream().mapToLong(Utxo::value).sum();
        assertEquals(total, e.available());
        assertTrue(e.required() > total);
        seen.add("insufficient");
        continue;
      }
      checkWithOracles(at);
      built++;
      for (Utxo u : at.spent()) {
        kinds.add(u.scriptPubKey().type());
      }
      if (kinds.size() == 3) {
        seen.add("all three types");
      }
      seen.add(at.changeIndex() >= 0 ? "change" : "no change");
      if (at.spent().size() >= 3) {
        seen.add("3+ inputs");
      }
      if (useUncompressed) {
        seen.add("uncompressed P2PKH");
      }
      // A fee bump spends the same inputs at a higher rate and pays more.
      if (s % 3 == 0) {
        FeeRate higher = new FeeRate(rate.satPerKvB() * 2);
        try {
          AnchorTransaction bumped = b.bumpFee(at, higher);
          checkWithOracles(bumped);
          assertEquals(at.spent(), bumped.spent());
          assertTrue(bumped.fee() >= at.fee() + bumped.transaction().vsize());
          assertNotEquals(at.txidHex(), bumped.txidHex());
          seen.add("bumped");
        } catch (InsufficientFundsException e) {
          seen.add("bump insufficient");
        }
      }
    }
    assertTrue(built >= seeds / 3, "built " + built);
    for (String k : List.of("change", "no change", "3+ inputs", "all three types", "bumped", "insufficient",
        "uncompressed P2PKH")) {
      assertTrue(seen.contains(k), "scenario not covered: " + k + " (seen " + seen + ")");
    }
  }

  @Test
  void bumpFeeReplacesWithHigherFeeSameInputs() {
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.MAINNET, fixedRandom(6));
    Address change = Address.fromScript(key.publicKey().p2pkhScript(), Network.MAINNET);
    Random r = new Random(6);
    Utxo a = new Utxo(new OutPoint(randomTxid(r), 0), 20_000, key.publicKey().p2pkhScript());
    Utxo b = new Utxo(new OutPoint(randomTxid(r), 0), 5_000, key.publicKey().p2wpkhScript());
    AnchorTransactionBuilder builder = AnchorTransactionBuilder.create(key, change).addUtxo(a).addUtxo(b)
        .feeRate(FeeRate.ofSatPerVbyte(2));
    AnchorTransaction first = builder.build(COMMITMENT);
    assertEquals(List.of(a), first.spent(), "one input is enough");
    AnchorTransaction bumped = builder.bumpFee(first, FeeRate.ofSatPerVbyte(10));
    checkWithOracles(bumped);
    assertEquals(first.spent(), bumped.spent());
    assertEquals(first.transaction().inputs().get(0).outPoint(), bumped.transaction().inputs().get(0).outPoint());
    assertTrue(bumped.fee() > first.fee());
    assertEquals(FeeRate.ofSatPerVbyte(10).feeFor(bumped.transaction().vsize()), bumped.fee(), "rate dominates");
    // BIP 125 rule 4 dominates for a tiny rate increase.
    AnchorTransaction small = builder.bumpFee(first, new FeeRate(2001));
    assertTrue(small.fee() >= first.fee() + small.transaction().vsize());
    assertThrows(IllegalArgumentException.class, () -> builder.bumpFee(first, FeeRate.ofSatPerVbyte(2)));
    // So high that even dropping the change cannot pay it.
    assertThrows(InsufficientFundsException.class, () -> builder.bumpFee(first, FeeRate.ofSatPerVbyte(200)));
    // Between: the change falls below dust and is dropped; everything goes to the fee.
    AnchorTransaction noChange = builder.bumpFee(first, new FeeRate(88_000));
    checkWithOracles(noChange);
    assertEquals(-1, noChange.changeIndex());
    assertEquals(20_000, noChange.fee());
  }

  @Test
  void clearErrors() {
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.MAINNET, fixedRandom(7));
    BitcoinPrivateKey other = BitcoinPrivateKey.generate(Network.MAINNET, fixedRandom(8));
    Address mainChange = Address.fromScript(key.publicKey().p2wpkhScript(), Network.MAINNET);
    Address testChange = Address.fromScript(key.publicKey().p2wpkhScript(), Network.TESTNET);
    Random r = new Random(9);
    IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
        () -> AnchorTransactionBuilder.create(key, testChange));
    assertTrue(mixed.getMessage().contains("mixed networks"), mixed.getMessage());
    AnchorTransactionBuilder b = AnchorTransactionBuilder.create(key, mainChange).feeRate(FeeRate.ofSatPerVbyte(1));
    for (Script foreign : List.of(other.publicKey().p2pkhScript(), other.publicKey().p2wpkhScript(),
        other.publicKey().p2trScript(), Script.p2sh(new byte[20]))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> b.addUtxo(new Utxo(new OutPoint(randomTxid(r), 0), 10_000, foreign)));
      assertTrue(e.getMessage().contains("key does not match UTXO"), e.getMessage());
    }
    BitcoinPrivateKey unc = BitcoinPrivateKey.fromSecretBytes(key.exportSecretBytes(), Network.MAINNET, false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AnchorTransactionBuilder.create(unc, mainChange)
            .addUtxo(new Utxo(new OutPoint(randomTxid(r), 0), 10_000, key.publicKey().p2wpkhScript())));
    assertTrue(e.getMessage().contains("compressed"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> AnchorTransactionBuilder.create(unc, mainChange)
            .addUtxo(new Utxo(new OutPoint(randomTxid(r), 0), 10_000, key.publicKey().p2pkhScript())));
    assertTrue(e.getMessage().contains("other compression form"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> AnchorTransactionBuilder.create(key, mainChange)
        .feeRate(FeeRate.ofSatPerVbyte(1)).build(COMMITMENT));
    Utxo tiny = new Utxo(new OutPoint(randomTxid(r), 0), 100, key.publicKey().p2wpkhScript());
    InsufficientFundsException ins = assertThrows(InsufficientFundsException.class,
        () -> AnchorTransactionBuilder.create(key, mainChange).addUtxo(tiny).feeRate(FeeRate.ofSatPerVbyte(1)).build(COMMITMENT));
    assertEquals(100, ins.available());
    Utxo dup = new Utxo(tiny.outPoint(), 5000, tiny.scriptPubKey());
    assertThrows(IllegalArgumentException.class,
        () -> AnchorTransactionBuilder.create(key, mainChange).addUtxo(tiny).addUtxo(dup));
  }

  @Test
  void opReturnPayloadAndScriptRules() {
    byte[] payload = OpReturnAnchor.payload(COMMITMENT);
    assertEquals(37, payload.length);
    assertArrayEquals("MDLG".getBytes(), java.util.Arrays.copyOf(payload, 4));
    Script s = OpReturnAnchor.script(COMMITMENT);
    assertEquals(ScriptType.OP_RETURN, s.type());
    assertArrayEquals(payload, s.opReturnData().orElseThrow());
    // Minimal pushes: 75 bytes direct, 76-80 with OP_PUSHDATA1; 81 bytes refused.
    assertEquals("6a4b", Script.opReturn(new byte[75]).toHex().substring(0, 4));
    assertEquals("6a4c50", Script.opReturn(new byte[80]).toHex().substring(0, 6));
    assertEquals("6a51", Script.opReturn(new byte[] {1}).toHex());
    assertEquals("6a00", Script.opReturn(new byte[0]).toHex());
    assertThrows(IllegalArgumentException.class, () -> Script.opReturn(new byte[81]));
    // Another version or tag is not an anchor.
    byte[] v2 = payload.clone();
    v2[4] = 2;
    assertTrue(OpReturnAnchor.commitmentOf(Script.opReturn(v2)).isEmpty());
    assertTrue(OpReturnAnchor.commitmentOf(Script.p2wpkh(new byte[20])).isEmpty());
    assertEquals(COMMITMENT, OpReturnAnchor.commitmentOf(s).orElseThrow());
    // Classification of the other templates.
    assertEquals(ScriptType.NONSTANDARD, Script.fromHex("6a4c").type());
    assertEquals(ScriptType.NONSTANDARD, Script.fromHex("51").type());
    assertEquals(Hex.encode(new byte[20]), Hex.encode(Script.p2sh(new byte[20]).payload().orElseThrow()));
  }

  /**
   * A script in hex comes from outside (a UTXO given on the command line or in a file, a node's
   * answer): text that is not hex threw the hex decoder's {@code IllegalArgumentException}, which
   * {@code Script.fromHex} does not document. Any bytes are a script, so only the hex can be bad.
   */
  @Test
  void scriptHexFromOutsideIsRejectedOnlyAsMalformed() {
    assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> Script.fromHex("6a4"));
    assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> Script.fromHex("0g"));
    io.medledger.testing.HostileText.check("script hex", 31, List.of(Script.p2wpkh(new byte[20]).toHex(), "6a4c", "51",
        ""), Script::fromHex);
  }

  /**
   * A fee rate is text from the command line: an exponent too large to move three places
   * ({@code 1E+2147483647}) threw BigDecimal's {@code ArithmeticException}, and every other bad
   * text an {@code IllegalArgumentException}, both outside the module's exception hierarchy.
   */
  @Test
  void hostileFeeRateTextIsRejectedOnlyAsMalformed() {
    for (String t : new String[] {"1E+2147483647", "1E+2147483645", "1E2147483640", "1E-2147483647"}) {
      assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> FeeRate.parseSatPerVbyte(t), t);
    }
    io.medledger.testing.HostileText.check("fee rate", 37, List.of("1", "2.5", "0.001", "10000", "1e3", "1.25E+2"),
        FeeRate::parseSatPerVbyte);
  }

  @Test
  void feeRateParsingAndRounding() {
    assertEquals(1500, FeeRate.parseSatPerVbyte("1.5").satPerKvB());
    assertEquals(2000, FeeRate.parseSatPerVbyte("2").satPerKvB());
    assertEquals(11, new FeeRate(1500).feeFor(7), "10.5 rounds up");
    assertEquals(141, FeeRate.ofSatPerVbyte(1).feeFor(141));
    assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> FeeRate.parseSatPerVbyte("0"));
    assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> FeeRate.parseSatPerVbyte("1.0001"));
    assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> FeeRate.parseSatPerVbyte("abc"));
    assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> FeeRate.parseSatPerVbyte("20000"));
    assertEquals("1.5 sat/vB", new FeeRate(1500).toString());
  }

  @Test
  void dustThresholdsMatchBitcoinCore() {
    byte[] h = new byte[20];
    assertEquals(546, new TxOutput(0, Script.p2pkh(h)).dustThreshold());
    assertEquals(540, new TxOutput(0, Script.p2sh(h)).dustThreshold());
    assertEquals(294, new TxOutput(0, Script.p2wpkh(h)).dustThreshold());
    assertEquals(330, new TxOutput(0, Script.p2tr(new byte[32])).dustThreshold());
    assertEquals(0, new TxOutput(0, Script.opReturn(new byte[4])).dustThreshold());
  }
}

package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.BitcoinMerkle;
import io.medledger.merkle.MerkleLog;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Builds a whole anchoring on a simulated regtest chain and checks every step of the receipt. */
public class AnchorReceiptTest {
  /** A ledger log, an anchor transaction in a mined regtest block, and receipts; reused by CLI tests. */
  public static final class Fixture {
    final MerkleLog log = new MerkleLog();
    final List<byte[]> entries = new ArrayList<>();
    final AnchorCommitment commitment;
    final Transaction anchorTx;
    final List<Digest> blockTxids = new ArrayList<>();
    public final BitcoinBlockHeader header;
    public final long height = 150;
    final int anchorIndex = 5;

    public Fixture() {
      for (int i = 0; i < 37; i++) {
        byte[] e = ("entry-" + i).getBytes(StandardCharsets.UTF_8);
        entries.add(e);
        log.append(e);
      }
      commitment = new AnchorCommitment(Sha256.hash("chain".getBytes(StandardCharsets.UTF_8)), 12, log.size(), log.root());
      BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, new SecureRandom());
      Address change = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
      OutPoint op = new OutPoint(Sha256.hash(new byte[] {7}), 0);
      Utxo coin = new Utxo(op, 50_000, key.publicKey().p2wpkhScript());
      AnchorWallet wallet = new AnchorWallet() {
        @Override
        public List<Utxo> unspent() {
          return List.of(coin);
        }

        @Override
        public Optional<TxOutput> output(OutPoint o) {
          return Optional.of(coin.toOutput());
        }
      };
      SignedTransaction signed = new WalletTransactionFactory(key, change, wallet).create(commitment.digest(), 2);
      anchorTx = Transaction.parse(signed.raw());
      for (int i = 0; i < 11; i++) {
        blockTxids.add(i == anchorIndex ? anchorTx.txid() : Sha256.hash(new byte[] {(byte) i, 1}));
      }
      Digest root = BitcoinMerkle.root(blockTxids);
      BitcoinBlockHeader h = null;
      for (long nonce = 0; ; nonce++) {
        h = BitcoinBlockHeader.of(0x20000000, Sha256.hash(new byte[] {3}), root, 1_780_000_000L, 0x207fffff, nonce);
        if (h.checkProofOfWork(BitcoinChainParams.REGTEST)) {
          break;
        }
      }
      header = h;
    }

    public AnchorReceipt receipt(int entryIndex) {
      AnchorReceipt pending = AnchorReceipt.pending(entries.get(entryIndex),
          log.inclusionProof(entryIndex, log.size()), commitment);
      return pending.complete(new AnchorReceipt.BitcoinPart("regtest", anchorTx.serializeWithoutWitness(),
          MerkleBranch.fromTxids(blockTxids, anchorIndex), height));
    }

    /**
     * A complete receipt of entry {@code entryIndex} whose (sole, unmined) transaction carries a
     * 5000-byte output before the commitment's, beyond the OpenTimestamps argument limit.
     */
    public AnchorReceipt receiptBeyondTheOtsArgumentLimit(int entryIndex) {
      Transaction tx = new Transaction(2, List.of(io.medledger.anchor.bitcoin.TxInput.unsigned(
              new OutPoint(Sha256.hash(new byte[] {7}), 0), io.medledger.anchor.bitcoin.TxInput.SEQUENCE_FINAL)),
          List.of(new TxOutput(1000, io.medledger.anchor.bitcoin.Script.of(new byte[5000])),
              new TxOutput(0, io.medledger.anchor.bitcoin.Script.of(commitment.digest().toByteArray()))), 0);
      byte[] raw = tx.serialize();
      return AnchorReceipt.pending(entries.get(entryIndex), log.inclusionProof(entryIndex, log.size()), commitment)
          .complete(new AnchorReceipt.BitcoinPart("regtest", raw, MerkleBranch.fromTxids(List.of(tx.txid()), 0), height));
    }

    FileHeaderSource headers() {
      return FileHeaderSource.of(Map.of(height, header));
    }
  }

  private final Fixture f = new Fixture();

  @Test
  void everyEntryReceiptVerifiesAndRoundTripsThroughJson() {
    for (int i = 0; i < f.entries.size(); i++) {
      AnchorReceipt r = f.receipt(i);
      ReceiptVerdict v = r.verify(f.headers());
      ReceiptVerdict.Anchored a = assertInstanceOf(ReceiptVerdict.Anchored.class, v, v.toString());
      assertEquals(f.height, a.height());
      assertEquals(1_780_000_000L, a.blockTime());
      assertEquals(f.anchorTx.txid(), a.txid());
      AnchorReceipt back = AnchorReceipt.fromJson(r.toJson());
      assertEquals(r.toJson(), back.toJson());
      assertEquals(r, back, "a receipt read back equals the one written");
      assertEquals(r.hashCode(), back.hashCode());
      assertEquals(r.bitcoin(), back.bitcoin());
      assertEquals(r.ledger(), back.ledger());
      assertFalse(back.bitcoin().orElseThrow().toString().contains("[B@"));
      if (i > 0) {
        assertNotEquals(f.receipt(i - 1), back);
      }
      assertTrue(back.verify(f.headers()).holds());
    }
  }

  @Test
  void theAnchoredVerdictSaysHowManyConfirmationsItSaw() {
    AnchorReceipt r = f.receipt(3);
    assertEquals(1, ((ReceiptVerdict.Anchored) r.verify(f.headers(), "regtest")).confirmations(), "the tip");
    java.util.TreeMap<Long, BitcoinBlockHeader> chain = new java.util.TreeMap<>(Map.of(f.height, f.header));
    BitcoinBlockHeader prev = f.header;
    for (int i = 1; i <= 3; i++) {
      prev = BitcoinBlockHeader.of(0x20000000, prev.hash(), Sha256.hash(new byte[] {(byte) i}), 1_780_000_000L + 600 * i,
          0x207fffff, 0);
      chain.put(f.height + i, prev);
    }
    ReceiptVerdict.Anchored a = assertInstanceOf(ReceiptVerdict.Anchored.class,
        r.verify(FileHeaderSource.of(chain), "regtest"));
    assertEquals(4, a.confirmations());
    assertThrows(IllegalArgumentException.class,
        () -> new ReceiptVerdict.Anchored(1, a.blockHash(), 0, a.txid(), -1));
  }

  @Test
  void verifyingForANetworkRefusesAReceiptAttestedOnAnother() {
    AnchorReceipt r = f.receipt(3);
    assertInstanceOf(ReceiptVerdict.Anchored.class, r.verify(f.headers(), "regtest"));
    ReceiptVerdict v = r.verify(f.headers(), "main");
    assertEquals(new ReceiptVerdict.Invalid("the anchor is attested on regtest, not main"), v);
    AnchorReceipt pending = AnchorReceipt.pending(r.entry(), r.logProof(), r.commitment());
    assertInstanceOf(ReceiptVerdict.Pending.class, pending.verify(f.headers(), "main"), "a pending receipt names no network");
    assertThrows(IllegalArgumentException.class, () -> r.verify(f.headers(), "testnet"));
  }

  @Test
  void exportedOpenTimestampsProofsVerify() {
    for (int i : new int[] {0, 1, 13, 31, 36}) {
      AnchorReceipt r = f.receipt(i);
      io.medledger.anchor.ots.OtsTimestamp ots = r.toOpenTimestamps();
      io.medledger.anchor.ots.OtsTimestamp back = io.medledger.anchor.ots.OtsTimestamp.parse(ots.serialize());
      assertTrue(back.matchesFile(r.stampedFile()));
      assertEquals(1, back.commitments().size());
      assertEquals(f.header.merkleRoot(), Digest.of(back.commitments().get(0).message()));
      assertTrue(back.verifyBitcoin(f.headers(), BitcoinChainParams.REGTEST).holds(), "entry " + i);
    }
    assertThrows(AnchorException.class, () -> AnchorReceipt.pending(f.entries.get(0),
        f.log.inclusionProof(0, f.log.size()), f.commitment).toOpenTimestamps());
  }

  /**
   * A complete receipt from a node or a third party whose log proof does not lead to its
   * commitment (a negative leaf index, a path cut short or changed), or whose transaction is
   * serialized with its witness (its bytes are not what the Merkle branch is for), does not verify:
   * exporting it threw the OpenTimestamps builder's {@code IllegalArgumentException}, which the
   * method does not document.
   */
  @Test
  void aReceiptWhosePartsDoNotLeadFromOneToTheNextIsRefusedOnExport() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
    String good = f.receipt(13).toJson();
    assertTrue(f.anchorTx.hasWitness());
    List<java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode>> edits = List.of(
        r -> ((com.fasterxml.jackson.databind.node.ObjectNode) r.get("ledger")).put("leafIndex", -6),
        r -> ((com.fasterxml.jackson.databind.node.ArrayNode) r.get("ledger").get("path"))
            .remove(r.get("ledger").get("path").size() - 1),
        r -> ((com.fasterxml.jackson.databind.node.ArrayNode) r.get("ledger").get("path")).set(0,
            m.getNodeFactory().textNode(Sha256.hash(new byte[] {9}).toHex())),
        r -> ((com.fasterxml.jackson.databind.node.ObjectNode) r.get("bitcoin")).put("transaction",
            Hex.encode(f.anchorTx.serialize())));
    for (var edit : edits) {
      com.fasterxml.jackson.databind.node.ObjectNode root =
          (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(good);
      edit.accept(root);
      AnchorReceipt bad = AnchorReceipt.fromJson(m.writeValueAsString(root));
      assertFalse(bad.verify(f.headers()).holds());
      assertThrows(MalformedEncodingException.class, bad::toOpenTimestamps);
    }
  }

  /**
   * A receipt read from a node or a third party that cannot be exported (still pending, or whose
   * transaction puts the commitment beyond the format's 4096-byte argument limit) threw
   * {@code IllegalStateException}: an application catching {@code MedLedgerException} around
   * library calls let a hostile receipt escape. Both are {@link AnchorException} now.
   */
  @Test
  void aReceiptThatCannotBeExportedIsRefusedWithAModuleException() {
    AnchorReceipt pending = AnchorReceipt.pending(f.entries.get(0), f.log.inclusionProof(0, f.log.size()), f.commitment);
    AnchorReceipt read = AnchorReceipt.fromJson(pending.toJson());
    assertFalse(read.isComplete());
    assertInstanceOf(AnchorException.class, assertThrows(RuntimeException.class, read::toOpenTimestamps));
    AnchorReceipt far = AnchorReceipt.fromJson(f.receiptBeyondTheOtsArgumentLimit(0).toJson());
    RuntimeException e = assertThrows(RuntimeException.class, far::toOpenTimestamps);
    assertInstanceOf(AnchorException.class, e);
    assertTrue(e.getMessage().contains("argument limit"), e.getMessage());
  }

  @Test
  void pendingReceiptsHoldForTheLedgerPartOnly() {
    AnchorReceipt p = AnchorReceipt.pending(f.entries.get(3), f.log.inclusionProof(3, f.log.size()), f.commitment);
    assertInstanceOf(ReceiptVerdict.Pending.class, p.verify(f.headers()));
    assertFalse(p.isComplete());
    assertEquals(p.toJson(), AnchorReceipt.fromJson(p.toJson()).toJson());
  }

  @Test
  void everyBrokenStepIsNamed() {
    AnchorReceipt good = f.receipt(4);
    // another entry under the same proof
    AnchorReceipt wrongEntry = AnchorReceipt.pending("entry-5".getBytes(StandardCharsets.UTF_8),
        f.log.inclusionProof(4, f.log.size()), f.commitment).complete(good.bitcoin().orElseThrow());
    assertTrue(((ReceiptVerdict.Invalid) wrongEntry.verify(f.headers())).reason().contains("not at index 4"));
    // the header source knows no block at that height
    assertTrue(((ReceiptVerdict.Invalid) good.verify(FileHeaderSource.of(Map.of(151L, f.header)))).reason()
        .contains("no header"));
    // a header with another Merkle root at that height
    BitcoinBlockHeader other = BitcoinBlockHeader.of(0x20000000, Sha256.hash(new byte[] {3}), Sha256.hash(new byte[] {9}),
        1_780_000_000L, 0x207fffff, 0);
    for (long n = 1; !other.checkProofOfWork(BitcoinChainParams.REGTEST); n++) {
      other = BitcoinBlockHeader.of(0x20000000, Sha256.hash(new byte[] {3}), Sha256.hash(new byte[] {9}),
          1_780_000_000L, 0x207fffff, n);
    }
    assertFalse(good.verify(FileHeaderSource.of(Map.of(f.height, other))).holds());
    // a different commitment (the ledger was rewritten)
    AnchorCommitment forged = new AnchorCommitment(f.commitment.chainId(), f.commitment.height(),
        f.commitment.logSize(), f.commitment.logRoot().reversed());
    assertFalse(AnchorReceipt.pending(f.entries.get(4), f.log.inclusionProof(4, f.log.size()), forged)
        .complete(good.bitcoin().orElseThrow()).verify(f.headers()).holds());
    // a wrong branch position
    AnchorReceipt badBranch = AnchorReceipt.pending(f.entries.get(4), f.log.inclusionProof(4, f.log.size()), f.commitment)
        .complete(new AnchorReceipt.BitcoinPart("regtest", f.anchorTx.serializeWithoutWitness(),
            new MerkleBranch(f.anchorTx.txid(), 4, MerkleBranch.fromTxids(f.blockTxids, 5).siblings()), f.height));
    assertFalse(badBranch.verify(f.headers()).holds());
    // witness serialization is refused (txid preimage only)
    assertThrows(IllegalArgumentException.class, () -> new AnchorReceipt.BitcoinPart("mainnet", new byte[10],
        MerkleBranch.fromTxids(f.blockTxids, 5), 1));
  }

  @Test
  void malformedJsonIsRejected() {
    String json = f.receipt(1).toJson();
    assertThrows(MalformedEncodingException.class, () -> AnchorReceipt.fromJson(json.replace("receipt/1", "receipt/9")));
    assertThrows(MalformedEncodingException.class, () -> AnchorReceipt.fromJson(json.replace("\"leafIndex\" : 1", "\"leafIndex\" : \"x\"")));
    assertThrows(MalformedEncodingException.class, () -> AnchorReceipt.fromJson("{"));
  }

  /** An entry or a transaction longer than any receipt holds is refused by its length, before its hex is decoded. */
  @Test
  void overlongHexIsRefusedBeforeItIsDecoded() {
    String json = f.receipt(1).toJson();
    String entryHex = Hex.encode(f.entries.get(1));
    String longEntry = "ab".repeat(AnchorReceipt.MAX_ENTRY_BYTES + 1);
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
        () -> AnchorReceipt.fromJson(json.replace(entryHex, longEntry)));
    assertTrue(e.getMessage().contains("entry is longer than"), e.getMessage());
    AnchorReceipt complete = f.receipt(2);
    String tx = Hex.encode(f.anchorTx.serializeWithoutWitness());
    String cj = complete.toJson();
    assertTrue(cj.contains(tx));
    MalformedEncodingException t = assertThrows(MalformedEncodingException.class,
        () -> AnchorReceipt.fromJson(cj.replace(tx, "00".repeat(Transaction.MAX_SIZE + 1))));
    assertTrue(t.getMessage().contains("transaction is longer than"), t.getMessage());
  }
}

package io.medledger.anchor;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.common.primitives.Bytes;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.CheckpointedHeaderSource;
import io.medledger.anchor.bitcoin.HeaderSource;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.anchor.bitcoin.OpReturnAnchor;
import io.medledger.anchor.bitcoin.SpvVerifier;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxInclusion;
import io.medledger.anchor.ots.OtsTimestamp;
import io.medledger.chain.BlockHeader;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.Json;
import io.medledger.merkle.ConsistencyProof;
import io.medledger.merkle.InclusionProof;
import io.medledger.merkle.Rfc9162;
import io.medledger.tlog.Checkpoint;
import io.medledger.tlog.CheckpointVerdict;
import io.medledger.tlog.CheckpointVerifier;
import io.medledger.tlog.SignedNote;
import io.medledger.tlog.VerifiedCheckpoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Proof that one ledger entry existed no later than a Bitcoin block: the entry's canonical bytes,
 * its block header and its path in that block (optional), its inclusion in the ledger-wide
 * RFC 9162 log at the anchored header (also optional as a header), the commitment to that log,
 * the anchoring transaction whose OP_RETURN carries the commitment, and the transaction's Merkle
 * branch into a block at a given height. Without the Bitcoin part the receipt is pending; it is
 * completed with {@link #complete} once the anchor confirms.
 *
 * <p>It verifies offline against any {@link HeaderSource} (a file of headers, a node). The log
 * leaf is {@code SHA-256(0x00 || entry)}, so the exported OpenTimestamps proof stamps the file
 * {@code 0x00 || entry}. Immutable and thread-safe.
 */
public final class AnchorReceipt {
  /** Largest entry accepted in a receipt. */
  public static final int MAX_ENTRY_BYTES = 1 << 20;
  /** The JSON format of a receipt without a checkpoint (what receipts were before checkpoints). */
  public static final String FORMAT_1 = "medledger-anchor-receipt/1";
  /** The JSON format of a receipt with a checkpoint: format 1 plus its {@code checkpoint} member. */
  public static final String FORMAT_2 = "medledger-anchor-receipt/2";
  /** Longest consistency path accepted between the anchored log and a checkpoint's tree. */
  public static final int MAX_CONSISTENCY_PATH = 128;

  private final byte[] entry;
  private final InclusionProof logProof;
  private final AnchorCommitment commitment;
  private final LedgerPart ledger;
  private final BitcoinPart bitcoin;
  private final CheckpointPart checkpoint;

  /**
   * The ledger headers behind the commitment: the anchored header (whose chain id, height, log
   * size and log root the commitment repeats) and the entry's own block header with the entry's
   * RFC 9162 path into that block's entries root.
   *
   * <p>What verification binds: the anchored header's chain id, height, log size and log root
   * (they must be the commitment's); of the block header its chain id, entry count, entries root
   * and log size (the entry's log index must fall in the block's range of the log, at
   * {@code indexInBlock}, and its path must lead to the entries root), a height at or below the
   * anchored one, and, at the anchored height, every byte (it must be the anchored header). The
   * other fields (times, bookkeepers, rounds, parent hashes, the other roots, and the block's
   * height below the anchored one) are informational: the commitment does not cover them and a
   * forger can change them without the verdict changing. Read them from a copy of the ledger.
   *
   * @param anchoredHeader the canonical encoding of the anchored block header
   * @param blockHeader the canonical encoding of the header of the block holding the entry
   * @param indexInBlock the entry's position in its block
   * @param blockPath the entry's audit path in its block
   */
  public record LedgerPart(byte[] anchoredHeader, byte[] blockHeader, long indexInBlock, List<Digest> blockPath) {
    /** Copies the arrays and the list. */
    public LedgerPart {
      anchoredHeader = anchoredHeader.clone();
      blockHeader = blockHeader.clone();
      blockPath = List.copyOf(blockPath);
    }

    /** A copy of the anchored header's encoding. */
    @Override
    public byte[] anchoredHeader() {
      return anchoredHeader.clone();
    }

    /** A copy of the entry's block header encoding. */
    @Override
    public byte[] blockHeader() {
      return blockHeader.clone();
    }

    /** Equal when every component is equal, the headers byte for byte. */
    @Override
    public boolean equals(Object o) {
      return o instanceof LedgerPart l && Arrays.equals(anchoredHeader, l.anchoredHeader)
          && Arrays.equals(blockHeader, l.blockHeader) && indexInBlock == l.indexInBlock && blockPath.equals(l.blockPath);
    }

    @Override
    public int hashCode() {
      return Objects.hash(Arrays.hashCode(anchoredHeader), Arrays.hashCode(blockHeader), indexInBlock, blockPath);
    }

    @Override
    public String toString() {
      return "LedgerPart[anchoredHeader=" + anchoredHeader.length + " bytes, blockHeader=" + blockHeader.length
          + " bytes, indexInBlock=" + indexInBlock + ", blockPath=" + blockPath + "]";
    }
  }

  /**
   * Where the anchor transaction sits in Bitcoin.
   *
   * @param network {@code main} or {@code regtest} (the chain parameters for proof of work)
   * @param transaction the anchor transaction, serialized without witness (its txid preimage)
   * @param branch its Merkle branch into the block
   * @param height the block's height
   */
  public record BitcoinPart(String network, byte[] transaction, MerkleBranch branch, long height) {
    /** Validates and copies. */
    public BitcoinPart {
      Objects.requireNonNull(branch, "branch");
      transaction = transaction.clone();
      if (!network.equals("main") && !network.equals("regtest")) {
        throw new IllegalArgumentException("network must be main or regtest");
      }
      if (height < 0) {
        throw new IllegalArgumentException("height must be non-negative");
      }
    }

    /** A copy of the transaction bytes. */
    @Override
    public byte[] transaction() {
      return transaction.clone();
    }

    /** Equal when every component is equal, the transaction byte for byte. */
    @Override
    public boolean equals(Object o) {
      return o instanceof BitcoinPart b && network.equals(b.network) && Arrays.equals(transaction, b.transaction)
          && branch.equals(b.branch) && height == b.height;
    }

    @Override
    public int hashCode() {
      return Objects.hash(network, Arrays.hashCode(transaction), branch, height);
    }

    @Override
    public String toString() {
      return "BitcoinPart[network=" + network + ", txid=" + branch.txid() + ", height=" + height + "]";
    }

    BitcoinChainParams params() {
      return network.equals("main") ? BitcoinChainParams.MAINNET : BitcoinChainParams.REGTEST;
    }
  }

  /**
   * A signed, witness-cosigned checkpoint of the ledger-wide log (a C2SP signed note), the
   * entry's inclusion proof at the checkpoint's size, and, when the checkpoint is of another size
   * than the anchored log, the RFC 9162 consistency path between the smaller and the larger of the
   * two trees, which links the checkpoint to the anchored commitment: verifiable within seconds of
   * the block by the federation's signatures and the witnesses' cosignatures, before the Bitcoin
   * anchor.
   *
   * @param note the checkpoint note's bytes
   * @param proof the entry's inclusion proof in the checkpoint's tree
   * @param consistency the consistency path between the anchored log and the checkpoint's tree
   *     (empty when they are of one size)
   */
  public record CheckpointPart(byte[] note, InclusionProof proof, List<Digest> consistency) {
    /** Copies the note and the path; the note must parse as a signed note. */
    public CheckpointPart {
      note = note.clone();
      SignedNote.parse(note);
      Objects.requireNonNull(proof, "proof");
      consistency = List.copyOf(consistency);
      if (consistency.size() > MAX_CONSISTENCY_PATH) {
        throw new IllegalArgumentException("a consistency path holds at most " + MAX_CONSISTENCY_PATH + " hashes");
      }
    }

    /** A part without a consistency path, for a checkpoint of the anchored size. */
    public CheckpointPart(byte[] note, InclusionProof proof) {
      this(note, proof, List.of());
    }

    /** A copy of the note's bytes. */
    @Override
    public byte[] note() {
      return note.clone();
    }

    /** Equal when the notes are equal byte for byte and the proofs and paths are equal. */
    @Override
    public boolean equals(Object o) {
      return o instanceof CheckpointPart c && Arrays.equals(note, c.note) && proof.equals(c.proof)
          && consistency.equals(c.consistency);
    }

    @Override
    public int hashCode() {
      return Objects.hash(Arrays.hashCode(note), proof, consistency);
    }

    @Override
    public String toString() {
      return "CheckpointPart[note=" + note.length + " bytes, proof=" + proof + ", consistency=" + consistency + "]";
    }
  }

  private AnchorReceipt(byte[] entry, InclusionProof logProof, AnchorCommitment commitment, LedgerPart ledger,
      BitcoinPart bitcoin) {
    this(entry, logProof, commitment, ledger, bitcoin, null);
  }

  private AnchorReceipt(byte[] entry, InclusionProof logProof, AnchorCommitment commitment, LedgerPart ledger,
      BitcoinPart bitcoin, CheckpointPart checkpoint) {
    if (entry.length == 0 || entry.length > MAX_ENTRY_BYTES) {
      throw new IllegalArgumentException("entry length out of range");
    }
    if (logProof.treeSize() != commitment.logSize()) {
      throw new IllegalArgumentException("the log proof must be for the anchored log size");
    }
    this.entry = entry.clone();
    this.logProof = Objects.requireNonNull(logProof);
    this.commitment = Objects.requireNonNull(commitment);
    this.ledger = ledger;
    this.bitcoin = bitcoin;
    this.checkpoint = checkpoint;
  }

  /** A pending receipt: the entry, its inclusion proof at the anchored log size, and the commitment. */
  public static AnchorReceipt pending(byte[] entry, InclusionProof logProof, AnchorCommitment commitment) {
    return new AnchorReceipt(entry, logProof, commitment, null, null);
  }

  /** A pending receipt that also carries the ledger headers (see {@link LedgerPart}). */
  public static AnchorReceipt pending(byte[] entry, InclusionProof logProof, AnchorCommitment commitment,
      LedgerPart ledger) {
    return new AnchorReceipt(entry, logProof, commitment, Objects.requireNonNull(ledger), null);
  }

  /** This receipt completed with where the anchor confirmed. */
  public AnchorReceipt complete(BitcoinPart where) {
    return new AnchorReceipt(entry, logProof, commitment, ledger, Objects.requireNonNull(where), checkpoint);
  }

  /**
   * This receipt with a cosigned checkpoint of the anchored log's size and the entry's proof in it.
   * A checkpoint of another size needs {@link #withCheckpoint(SignedNote, InclusionProof, ConsistencyProof)}.
   */
  public AnchorReceipt withCheckpoint(SignedNote note, InclusionProof proof) {
    return new AnchorReceipt(entry, logProof, commitment, ledger, bitcoin, new CheckpointPart(note.toBytes(), proof));
  }

  /**
   * This receipt with a cosigned checkpoint of the ledger-wide log, the entry's proof in it, and
   * the consistency proof between the anchored log and the checkpoint's tree (from the smaller to
   * the larger of the two sizes), which {@link #verifyCheckpoint} requires when the sizes differ.
   *
   * @throws IllegalArgumentException if {@code link} is not between the anchored size and the
   *     checkpoint's size, or the note is not a checkpoint
   */
  public AnchorReceipt withCheckpoint(SignedNote note, InclusionProof proof, ConsistencyProof link) {
    long size = Checkpoint.parse(note.text()).size();
    if (link.size1() != Math.min(size, commitment.logSize()) || link.size2() != Math.max(size, commitment.logSize())) {
      throw new IllegalArgumentException("the consistency proof must be between sizes " + Math.min(size,
          commitment.logSize()) + " and " + Math.max(size, commitment.logSize()));
    }
    return new AnchorReceipt(entry, logProof, commitment, ledger, bitcoin,
        new CheckpointPart(note.toBytes(), proof, link.path()));
  }

  /** The checkpoint part, if the receipt carries one. */
  public Optional<CheckpointPart> checkpoint() {
    return Optional.ofNullable(checkpoint);
  }

  /**
   * Checks the checkpoint part against a client's policy (log keys, k witness cosignatures): the
   * note verifies, its origin is this receipt's chain, the entry's proof holds against its root
   * and its proof in the anchored log against the commitment's root, and the checkpoint's tree
   * is the anchored log (same size, same root) or, through the part's consistency path, a prefix
   * or an extension of it. A receipt without a checkpoint, or with one of another size and no
   * path that links it, yields {@link ReceiptVerdict.Invalid}. The commitment's height is not
   * covered: a checkpoint does not carry one; only the Bitcoin anchor binds it.
   */
  public ReceiptVerdict verifyCheckpoint(CheckpointVerifier policy, long nowSeconds) {
    if (checkpoint == null) {
      return new ReceiptVerdict.Invalid("the receipt carries no checkpoint");
    }
    CheckpointVerdict v = policy.verify(SignedNote.parse(checkpoint.note), nowSeconds);
    if (!v.isVerified()) {
      return new ReceiptVerdict.Invalid("checkpoint: " + v.reason() + " (" + v.detail() + ")");
    }
    VerifiedCheckpoint cp = v.checkpoint().orElseThrow();
    if (!cp.checkpoint().origin().equals(Checkpoint.originOf(commitment.chainId()))) {
      return new ReceiptVerdict.Invalid("the checkpoint is for another chain");
    }
    if (checkpoint.proof.leafIndex() != logProof.leafIndex() || !cp.includes(leafHash(), checkpoint.proof)) {
      return new ReceiptVerdict.Invalid("the entry is not in the checkpoint's tree");
    }
    if (!logProof.verify(leafHash(), commitment.logRoot())) {
      return new ReceiptVerdict.Invalid("the entry is not at index " + logProof.leafIndex()
          + " of the anchored ledger log of size " + commitment.logSize());
    }
    long size = cp.checkpoint().size();
    if (size == commitment.logSize()) {
      if (!cp.checkpoint().root().equals(commitment.logRoot()) || !checkpoint.consistency.isEmpty()) {
        return new ReceiptVerdict.Invalid("the checkpoint and the anchored commitment disagree on the root");
      }
    } else {
      boolean older = size < commitment.logSize();
      ConsistencyProof link = new ConsistencyProof(Math.min(size, commitment.logSize()),
          Math.max(size, commitment.logSize()), checkpoint.consistency);
      if (!(older ? link.verify(cp.checkpoint().root(), commitment.logRoot())
          : link.verify(commitment.logRoot(), cp.checkpoint().root()))) {
        return new ReceiptVerdict.Invalid("the checkpoint is of size " + size + " and the anchored log of size "
            + commitment.logSize() + ", and the receipt does not prove one a prefix of the other");
      }
    }
    return new ReceiptVerdict.Cosigned(cp.checkpoint().size(), cp.cosignatures().size());
  }

  /** The ledger headers, if the receipt carries them. */
  public Optional<LedgerPart> ledger() {
    return Optional.ofNullable(ledger);
  }

  /** The entry's canonical bytes (a copy). */
  public byte[] entry() {
    return entry.clone();
  }

  /** The entry's log leaf hash, {@code SHA-256(0x00 || entry)}. */
  public Digest leafHash() {
    return Rfc9162.leafHash(entry);
  }

  /** The entry's inclusion in the anchored ledger log. */
  public InclusionProof logProof() {
    return logProof;
  }

  /** The anchored commitment. */
  public AnchorCommitment commitment() {
    return commitment;
  }

  /** The Bitcoin part, once complete. */
  public Optional<BitcoinPart> bitcoin() {
    return Optional.ofNullable(bitcoin);
  }

  /** Whether the Bitcoin part is present. */
  public boolean isComplete() {
    return bitcoin != null;
  }

  /**
   * Checks every step as {@link #verify(HeaderSource)} does, for an anchor on {@code network}
   * ({@code main} or {@code regtest}), against headers that are not trusted: as
   * {@link #verify(HeaderSource, String, int)} with
   * {@link CheckpointedHeaderSource#DEFAULT_CONFIRMATIONS} confirmations.
   *
   * @throws IllegalArgumentException if {@code network} is neither {@code main} nor {@code regtest}
   */
  public ReceiptVerdict verify(HeaderSource headers, String network) {
    return verify(headers, network, CheckpointedHeaderSource.DEFAULT_CONFIRMATIONS);
  }

  /**
   * Checks every step as {@link #verify(HeaderSource)} does, for an anchor on {@code network}
   * ({@code main} or {@code regtest}), against headers that are not trusted. A complete receipt
   * attested on another network is invalid, so that a receipt cannot choose the proof-of-work rule
   * its headers are checked under (regtest's is met by almost any header). On {@code main} the
   * block's header counts only as part of a chain validated from the library's embedded
   * checkpoints with at least {@code confirmations} blocks (see {@link CheckpointedHeaderSource});
   * on {@code regtest}, a local chain that proves nothing, {@code headers} is taken as it is.
   *
   * @throws IllegalArgumentException if {@code network} is neither {@code main} nor {@code regtest},
   *     or {@code confirmations} is outside 1..{@link CheckpointedHeaderSource#MAX_CONFIRMATIONS}
   */
  public ReceiptVerdict verify(HeaderSource headers, String network, int confirmations) {
    if (!"main".equals(network) && !"regtest".equals(network)) {
      throw new IllegalArgumentException("network must be main or regtest");
    }
    HeaderSource source = "main".equals(network) ? new CheckpointedHeaderSource(headers, confirmations) : headers;
    if (bitcoin != null && !bitcoin.network.equals(network)) {
      return new ReceiptVerdict.Invalid("the anchor is attested on " + bitcoin.network + ", not " + network);
    }
    return verify(source);
  }

  /**
   * Checks every step. A pending receipt yields {@link ReceiptVerdict.Pending} if its ledger part
   * holds; a complete one yields {@link ReceiptVerdict.Anchored} only if the transaction carries
   * the commitment and is in the block that {@code headers} has at the height, with valid proof
   * of work under the network the receipt names. Use it with headers from a Bitcoin node the caller
   * trusts; against headers from elsewhere, {@link #verify(HeaderSource, String)} fixes the network
   * and validates mainnet headers from a checkpoint.
   */
  public ReceiptVerdict verify(HeaderSource headers) {
    if (!logProof.verify(leafHash(), commitment.logRoot())) {
      return new ReceiptVerdict.Invalid("the entry is not at index " + logProof.leafIndex()
          + " of the anchored ledger log of size " + commitment.logSize());
    }
    if (ledger != null) {
      String bad = checkLedgerPart();
      if (bad != null) {
        return new ReceiptVerdict.Invalid(bad);
      }
    }
    if (bitcoin == null) {
      return new ReceiptVerdict.Pending(commitment.digest());
    }
    Transaction tx;
    try {
      tx = Transaction.parse(bitcoin.transaction);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      return new ReceiptVerdict.Invalid("the anchor transaction does not parse: " + e.getMessage());
    }
    if (tx.hasWitness()) {
      return new ReceiptVerdict.Invalid("the anchor transaction must be given without witness data");
    }
    if (bitcoin.transaction.length == 64) {
      return new ReceiptVerdict.Invalid("a 64-byte transaction is ambiguous with an inner Merkle node");
    }
    if (!OpReturnAnchor.find(tx).map(c -> c.equals(commitment.digest())).orElse(false)) {
      return new ReceiptVerdict.Invalid("the anchor transaction does not carry this commitment");
    }
    if (!tx.txid().equals(bitcoin.branch.txid())) {
      return new ReceiptVerdict.Invalid("the Merkle branch is for another transaction");
    }
    TxInclusion inc = new SpvVerifier(Objects.requireNonNull(headers, "headers"), bitcoin.params())
        .verifyBranch(bitcoin.branch, bitcoin.height);
    if (inc instanceof TxInclusion.Proven p) {
      return new ReceiptVerdict.Anchored(p.height(), p.header().hash(), p.header().time(), p.txid(), p.confirmations());
    }
    return new ReceiptVerdict.Invalid(((TxInclusion.NotProven) inc).reason());
  }

  /**
   * Exports the complete receipt as an OpenTimestamps proof of the file {@code 0x00 || entry}
   * (see {@link #stampedFile()}): SHA-256 of that file is the log leaf, and the operations walk the
   * ledger log path, the commitment, the transaction and its Merkle branch up to the block's
   * Merkle root, where a Bitcoin block header attestation at the block's height sits. Standard
   * OpenTimestamps verifiers accept it for mainnet anchors.
   *
   * @throws AnchorException if the receipt is pending, or a transaction part exceeds the 4096-byte
   *     argument limit of the format
   * @throws MalformedEncodingException if the receipt's parts do not lead from one to the next, so
   *     it cannot verify: its log proof does not lead to its commitment's log root, or its Merkle
   *     branch is not for the hash of its transaction's bytes
   */
  public OtsTimestamp toOpenTimestamps() {
    if (bitcoin == null) {
      throw new AnchorException("a pending receipt has no Bitcoin attestation to export");
    }
    if (!logProof.verify(leafHash(), commitment.logRoot())) {
      throw new MalformedEncodingException("the receipt's log proof does not lead to its commitment's log root");
    }
    byte[] tx = bitcoin.transaction;
    if (!bitcoin.branch.txid().equals(Sha256.doubleHash(tx))) {
      throw new MalformedEncodingException("the receipt's Merkle branch is not for the hash of its transaction's bytes");
    }
    int at = Bytes.indexOf(tx, commitment.digest().toByteArray());
    if (at <= 0 || at > 4096 || tx.length - at - 32 > 4096) {
      throw new AnchorException("the anchor transaction does not fit the OpenTimestamps argument limit");
    }
    return OtsTimestamp.builder(leafHash().toByteArray())
        .rfc9162InclusionPath(logProof.leafIndex(), logProof.treeSize(), logProof.path())
        .prepend(commitment.prefix())
        .sha256()
        .bitcoinTransaction(tx, at)
        .merkleBranch(bitcoin.branch)
        .attestBitcoin(bitcoin.height);
  }

  /** The file an exported OpenTimestamps proof stamps: {@code 0x00 || entry}. */
  public byte[] stampedFile() {
    byte[] f = new byte[entry.length + 1];
    f[0] = Rfc9162.LEAF_PREFIX;
    System.arraycopy(entry, 0, f, 1, entry.length);
    return f;
  }

  private String checkLedgerPart() {
    BlockHeader anchored;
    BlockHeader block;
    try {
      anchored = BlockHeader.decode(ledger.anchoredHeader);
      block = BlockHeader.decode(ledger.blockHeader);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      return "a ledger header in the receipt does not decode: " + e.getMessage();
    }
    if (!anchored.chainId().equals(commitment.chainId()) || anchored.height() != commitment.height()
        || anchored.ledgerSize() != commitment.logSize() || !anchored.ledgerRoot().equals(commitment.logRoot())) {
      return "the anchored header does not match the commitment";
    }
    if (!block.chainId().equals(commitment.chainId()) || block.height() > anchored.height()) {
      return "the entry's block is not on the anchored chain at or below the anchored height";
    }
    if (block.height() == anchored.height() && !Arrays.equals(ledger.blockHeader, ledger.anchoredHeader)) {
      return "the entry's block is at the anchored height but is not the anchored header";
    }
    if (block.ledgerSize() > anchored.ledgerSize()) {
      return "the entry's block ends beyond the anchored log";
    }
    long first = block.ledgerSize() - block.entryCount();
    if (logProof.leafIndex() >= block.ledgerSize() || logProof.leafIndex() < first) {
      return "the entry's log index is not within its block";
    }
    if (ledger.indexInBlock != logProof.leafIndex() - first) {
      return "the entry's index in its block is " + (logProof.leafIndex() - first) + " by its log index, not "
          + ledger.indexInBlock;
    }
    InclusionProof inBlock = new InclusionProof(ledger.indexInBlock, block.entryCount(), ledger.blockPath);
    if (!inBlock.verify(leafHash(), block.entriesRoot())) {
      return "the entry is not at index " + ledger.indexInBlock + " of block " + block.height();
    }
    return null;
  }

  /** The JSON form (hashes in internal byte order, except {@code txidDisplay}). */
  public String toJson() {
    return Json.write(true, this::writeJson);
  }

  private void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("format", checkpoint == null ? FORMAT_1 : FORMAT_2);
    g.writeStringField("status", bitcoin == null ? "pending" : "complete");
    g.writeStringField("entry", Hex.encode(entry));
    g.writeStringField("leafHash", leafHash().toHex());
    g.writeObjectFieldStart("ledger");
    g.writeNumberField("leafIndex", logProof.leafIndex());
    g.writeNumberField("treeSize", logProof.treeSize());
    g.writeArrayFieldStart("path");
    for (Digest d : logProof.path()) {
      g.writeString(d.toHex());
    }
    g.writeEndArray();
    g.writeEndObject();
    g.writeObjectFieldStart("commitment");
    g.writeStringField("chainId", commitment.chainId().toHex());
    g.writeNumberField("height", commitment.height());
    g.writeNumberField("logSize", commitment.logSize());
    g.writeStringField("logRoot", commitment.logRoot().toHex());
    g.writeStringField("digest", commitment.digest().toHex());
    g.writeEndObject();
    if (ledger != null) {
      g.writeObjectFieldStart("headers");
      g.writeStringField("anchored", Hex.encode(ledger.anchoredHeader));
      g.writeStringField("block", Hex.encode(ledger.blockHeader));
      g.writeNumberField("indexInBlock", ledger.indexInBlock);
      g.writeArrayFieldStart("blockPath");
      for (Digest d : ledger.blockPath) {
        g.writeString(d.toHex());
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    if (bitcoin != null) {
      g.writeObjectFieldStart("bitcoin");
      g.writeStringField("network", bitcoin.network);
      g.writeStringField("transaction", Hex.encode(bitcoin.transaction));
      g.writeStringField("txidDisplay", bitcoin.branch.txid().reversed().toHex());
      g.writeNumberField("txIndex", bitcoin.branch.index());
      g.writeArrayFieldStart("branch");
      for (Digest d : bitcoin.branch.siblings()) {
        g.writeString(d.toHex());
      }
      g.writeEndArray();
      g.writeNumberField("height", bitcoin.height);
      g.writeEndObject();
    }
    if (checkpoint != null) {
      g.writeObjectFieldStart("checkpoint");
      g.writeStringField("note", new String(checkpoint.note, java.nio.charset.StandardCharsets.UTF_8));
      g.writeNumberField("leafIndex", checkpoint.proof.leafIndex());
      g.writeNumberField("treeSize", checkpoint.proof.treeSize());
      g.writeArrayFieldStart("path");
      for (Digest d : checkpoint.proof.path()) {
        g.writeString(d.toHex());
      }
      g.writeEndArray();
      if (!checkpoint.consistency.isEmpty()) {
        g.writeArrayFieldStart("consistency");
        for (Digest d : checkpoint.consistency) {
          g.writeString(d.toHex());
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /** The bytes of hex string {@code v}, refused before decoding when it would hold more than {@code max}. */
  private static byte[] boundedHex(Object v, String field, int max) {
    String hex = Json.asString(v, field);
    if (hex.length() > 2L * max) {
      throw new MalformedEncodingException(field + " is longer than " + max + " bytes");
    }
    return Hex.decode(hex);
  }

  /**
   * Reads the JSON form.
   *
   * @throws MalformedEncodingException if the text is not a well-formed receipt
   */
  public static AnchorReceipt fromJson(String json) {
    try {
      Map<String, Object> o = Json.asObject(Json.parse(json), "receipt");
      onlyMembers(o, "receipt", "format", "status", "entry", "leafHash", "ledger", "commitment", "headers", "bitcoin",
          "checkpoint");
      Object format = o.get("format");
      if (!FORMAT_1.equals(format) && !FORMAT_2.equals(format)) {
        throw new MalformedEncodingException("not a " + FORMAT_1 + " or " + FORMAT_2 + " document");
      }
      if (FORMAT_1.equals(format) && o.get("checkpoint") != null) {
        throw new MalformedEncodingException(FORMAT_1 + " has no checkpoint: the format with one is " + FORMAT_2);
      }
      byte[] entry = boundedHex(Json.member(o, "entry"), "entry", MAX_ENTRY_BYTES);
      Map<String, Object> l = Json.asObject(Json.member(o, "ledger"), "ledger");
      onlyMembers(l, "ledger", "leafIndex", "treeSize", "path");
      InclusionProof proof = new InclusionProof(Json.asLong(Json.member(l, "leafIndex"), "leafIndex"),
          Json.asLong(Json.member(l, "treeSize"), "treeSize"), digests(Json.member(l, "path"), 64));
      Map<String, Object> c = Json.asObject(Json.member(o, "commitment"), "commitment");
      onlyMembers(c, "commitment", "chainId", "height", "logSize", "logRoot", "digest");
      AnchorCommitment commitment = new AnchorCommitment(
          Digest.fromHex(Json.asString(Json.member(c, "chainId"), "chainId")),
          Json.asLong(Json.member(c, "height"), "height"),
          Json.asLong(Json.member(c, "logSize"), "logSize"),
          Digest.fromHex(Json.asString(Json.member(c, "logRoot"), "logRoot")));
      LedgerPart lp = null;
      if (o.get("headers") != null) {
        Map<String, Object> h = Json.asObject(o.get("headers"), "headers");
        onlyMembers(h, "headers", "anchored", "block", "indexInBlock", "blockPath");
        lp = new LedgerPart(Hex.decode(Json.asString(Json.member(h, "anchored"), "anchored")),
            Hex.decode(Json.asString(Json.member(h, "block"), "block")),
            Json.asLong(Json.member(h, "indexInBlock"), "indexInBlock"), digests(Json.member(h, "blockPath"), 64));
      }
      BitcoinPart part = null;
      if (o.get("bitcoin") != null) {
        Map<String, Object> b = Json.asObject(o.get("bitcoin"), "bitcoin");
        onlyMembers(b, "bitcoin", "network", "transaction", "txidDisplay", "txIndex", "branch", "height");
        byte[] tx = boundedHex(Json.member(b, "transaction"), "transaction", Transaction.MAX_SIZE);
        Digest txid = Transaction.parse(tx).txid();
        part = new BitcoinPart(Json.asString(Json.member(b, "network"), "network"), tx,
            new MerkleBranch(txid, Json.asLong(Json.member(b, "txIndex"), "txIndex"),
                digests(Json.member(b, "branch"), MerkleBranch.MAX_DEPTH)),
            Json.asLong(Json.member(b, "height"), "height"));
      }
      CheckpointPart cp = null;
      if (o.get("checkpoint") != null) {
        Map<String, Object> k = Json.asObject(o.get("checkpoint"), "checkpoint");
        onlyMembers(k, "checkpoint", "note", "leafIndex", "treeSize", "path", "consistency");
        String note = Json.asString(Json.member(k, "note"), "note");
        if (note.length() > SignedNote.MAX_BYTES) {
          throw new MalformedEncodingException("checkpoint note too long");
        }
        cp = new CheckpointPart(note.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            new InclusionProof(Json.asLong(Json.member(k, "leafIndex"), "leafIndex"),
                Json.asLong(Json.member(k, "treeSize"), "treeSize"), digests(Json.member(k, "path"), 64)),
            k.get("consistency") == null ? List.of() : digests(k.get("consistency"), MAX_CONSISTENCY_PATH));
      }
      AnchorReceipt r = new AnchorReceipt(entry, proof, commitment, lp, part, cp);
      r.checkDerived(o, c, o.get("bitcoin") == null ? null : Json.asObject(o.get("bitcoin"), "bitcoin"));
      return r;
    } catch (IllegalArgumentException e) {
      throw new MalformedEncodingException("invalid receipt: " + e.getMessage(), e);
    }
  }

  /** Refuses members other than {@code allowed}, so that no byte of a receipt goes unread. */
  private static void onlyMembers(Map<String, Object> obj, String what, String... allowed) {
    for (String key : obj.keySet()) {
      if (!Arrays.asList(allowed).contains(key)) {
        throw new MalformedEncodingException(what + " has a member no receipt format defines");
      }
    }
  }

  /**
   * Checks the members {@link #toJson} writes for readers but derives from the others (status,
   * leaf hash, commitment digest, display txid): when present they must be what they derive to.
   */
  private void checkDerived(Map<String, Object> o, Map<String, Object> c, Map<String, Object> b) {
    derived(o.get("status"), bitcoin == null ? "pending" : "complete", "status");
    derived(o.get("leafHash"), leafHash().toHex(), "leafHash");
    derived(c.get("digest"), commitment.digest().toHex(), "commitment digest");
    if (b != null) {
      derived(b.get("txidDisplay"), bitcoin.branch.txid().reversed().toHex(), "txidDisplay");
    }
  }

  private static void derived(Object given, String expected, String what) {
    if (given != null && !expected.equals(Json.asString(given, what))) {
      throw new MalformedEncodingException("the receipt's " + what + " is not the one its other members give");
    }
  }

  private static List<Digest> digests(Object arr, int max) {
    List<Object> a = Json.asArray(arr, "hash list");
    if (a.size() > max) {
      throw new MalformedEncodingException("hash list longer than " + max);
    }
    List<Digest> out = new ArrayList<>(a.size());
    for (Object x : a) {
      out.add(Digest.fromHex(Json.asString(x, "hash")));
    }
    return out;
  }

  /** Equal when every part is equal: the entry, the proofs, the commitment and the optional parts. */
  @Override
  public boolean equals(Object o) {
    return o instanceof AnchorReceipt r && Arrays.equals(entry, r.entry) && logProof.equals(r.logProof)
        && commitment.equals(r.commitment) && Objects.equals(ledger, r.ledger) && Objects.equals(bitcoin, r.bitcoin)
        && Objects.equals(checkpoint, r.checkpoint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(entry), logProof, commitment, ledger, bitcoin, checkpoint);
  }

  @Override
  public String toString() {
    return "AnchorReceipt[leaf=" + leafHash() + ", " + (bitcoin == null ? "pending" : "height " + bitcoin.height) + "]";
  }
}

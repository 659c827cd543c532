package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.codec.BinaryFieldWriter;
import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A block header. Its {@link #hash()} is {@code SHA-256("medledger/header/v1" || 0x00 ||
 * encoding)}; the consensus certificate is kept beside the header, outside the hash.
 *
 * <p>The header commits to:
 * <ul>
 *   <li>{@code entriesRoot}: the RFC 9162 root over the block's entries in block order (leaf =
 *       an entry's canonical encoding);
 *   <li>{@code subBlocksRoot}: the RFC 9162 root over the block's per-patient sub-blocks, sorted
 *       by patient (leaf = patient digest || sub-block hash; entries about no patient use the
 *       all-zero key);
 *   <li>{@code patientHeadsRoot}: the root of the sparse Merkle tree mapping every patient ever
 *       seen (and the zero key) to its latest sub-block hash as of this block, so one header
 *       proves a patient's complete history;
 *   <li>{@code ledgerSize}, {@code ledgerRoot}: the size and RFC 9162 root of the ledger-wide log
 *       of every entry since genesis (the same leaves), for inclusion and consistency proofs.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class BlockHeader {
  /** The only header version. */
  public static final int VERSION = 1;
  /** The previous hash of the genesis block. */
  public static final Digest NO_PARENT = Digest.of(new byte[Digest.LENGTH]);
  private static final byte[] TAG = "medledger/header/v1\0".getBytes(StandardCharsets.US_ASCII);

  private final Digest chainId;
  private final long height;
  private final Digest previousHash;
  private final long timestamp;
  private final ParticipantId bookkeeper;
  private final long round;
  private final ByteString consensusData;
  private final int entryCount;
  private final Digest entriesRoot;
  private final Digest subBlocksRoot;
  private final Digest patientHeadsRoot;
  private final long ledgerSize;
  private final Digest ledgerRoot;
  private final byte[] encoded;
  private final Digest hash;

  /**
   * Creates a header and validates its fields.
   *
   * @param chainId the chain's identifier
   * @param height 0 for genesis
   * @param previousHash the parent header's hash, {@link #NO_PARENT} for genesis
   * @param timestamp epoch milliseconds
   * @param bookkeeper the participant that proposed the block
   * @param round the consensus round (0 when unused)
   * @param consensusData opaque protocol-specific data (at most {@link Limits#MAX_CONSENSUS_DATA})
   * @param entryCount number of entries
   * @param entriesRoot RFC 9162 root over the entries
   * @param subBlocksRoot RFC 9162 root over the sorted (patient, sub-block hash) pairs
   * @param patientHeadsRoot root of the patient-heads map after this block
   * @param ledgerSize number of entries since genesis, this block included
   * @param ledgerRoot RFC 9162 root of the ledger-wide log at {@code ledgerSize}
   */
  public BlockHeader(Digest chainId, long height, Digest previousHash, long timestamp, ParticipantId bookkeeper,
      long round, ByteString consensusData, int entryCount, Digest entriesRoot, Digest subBlocksRoot,
      Digest patientHeadsRoot, long ledgerSize, Digest ledgerRoot) {
    this.chainId = Objects.requireNonNull(chainId, "chainId");
    this.height = Checks.nonNegative(height, "height");
    this.previousHash = Objects.requireNonNull(previousHash, "previousHash");
    if ((height == 0) != previousHash.equals(NO_PARENT)) {
      throw new IllegalArgumentException("exactly the genesis header has no parent");
    }
    this.timestamp = Checks.nonNegative(timestamp, "timestamp");
    this.bookkeeper = Objects.requireNonNull(bookkeeper, "bookkeeper");
    this.round = Checks.nonNegative(round, "round");
    this.consensusData = Checks.bytes(consensusData, "consensusData", Limits.MAX_CONSENSUS_DATA);
    if (entryCount < 0 || entryCount > Limits.MAX_BLOCK_ENTRIES) {
      throw new IllegalArgumentException("entry count out of range");
    }
    this.entryCount = entryCount;
    this.entriesRoot = Objects.requireNonNull(entriesRoot, "entriesRoot");
    this.subBlocksRoot = Objects.requireNonNull(subBlocksRoot, "subBlocksRoot");
    this.patientHeadsRoot = Objects.requireNonNull(patientHeadsRoot, "patientHeadsRoot");
    this.ledgerSize = Checks.nonNegative(ledgerSize, "ledgerSize");
    if (ledgerSize < entryCount) {
      throw new IllegalArgumentException("the ledger holds at least this block's entries");
    }
    this.ledgerRoot = Objects.requireNonNull(ledgerRoot, "ledgerRoot");
    BinaryFieldWriter w = new BinaryFieldWriter(400);
    write(w);
    this.encoded = w.toByteArray();
    this.hash = Sha256.hash(TAG, encoded);
  }

  /** Header format version. */
  public int version() {
    return VERSION;
  }

  /** The chain's identifier. */
  public Digest chainId() {
    return chainId;
  }

  /** The height (0 = genesis). */
  public long height() {
    return height;
  }

  /** The parent's hash ({@link #NO_PARENT} for genesis). */
  public Digest previousHash() {
    return previousHash;
  }

  /** The block time, epoch milliseconds. */
  public long timestamp() {
    return timestamp;
  }

  /** The bookkeeper that proposed the block. */
  public ParticipantId bookkeeper() {
    return bookkeeper;
  }

  /** The consensus round. */
  public long round() {
    return round;
  }

  /** Opaque consensus data. */
  public ByteString consensusData() {
    return consensusData;
  }

  /** Number of entries in the block. */
  public int entryCount() {
    return entryCount;
  }

  /** RFC 9162 root over the block's entries. */
  public Digest entriesRoot() {
    return entriesRoot;
  }

  /** RFC 9162 root over the sorted (patient, sub-block hash) pairs. */
  public Digest subBlocksRoot() {
    return subBlocksRoot;
  }

  /** Root of the map from every patient to its latest sub-block, after this block. */
  public Digest patientHeadsRoot() {
    return patientHeadsRoot;
  }

  /** Entries since genesis, this block included. */
  public long ledgerSize() {
    return ledgerSize;
  }

  /** RFC 9162 root of the ledger-wide log at {@link #ledgerSize()}. */
  public Digest ledgerRoot() {
    return ledgerRoot;
  }

  /** The header hash (the block's identity). */
  public Digest hash() {
    return hash;
  }

  /**
   * Whether this header directly follows {@code parent}: same chain, next height, previous hash
   * equal to the parent's hash, time not going backwards, ledger log not shrinking. Lets a light
   * client check a run of headers before trusting their roots.
   */
  public boolean follows(BlockHeader parent) {
    return chainId.equals(parent.chainId) && height == parent.height + 1 && previousHash.equals(parent.hash)
        && timestamp >= parent.timestamp && ledgerSize == parent.ledgerSize + entryCount;
  }

  int encodedLength() {
    return encoded.length;
  }

  /** The canonical encoding. */
  public byte[] encode() {
    return encoded.clone();
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /**
   * Decodes a canonical encoding.
   *
   * @throws MalformedEncodingException if the bytes are not one valid header
   */
  public static BlockHeader decode(byte[] bytes) {
    return Codecs.decode(bytes, 8192, "block header", BlockHeader::read);
  }

  /**
   * Parses the JSON view.
   *
   * @throws MalformedEncodingException if the text is not one valid header
   */
  public static BlockHeader fromJson(String json) {
    return Codecs.fromJson(json, 32768, "block header", BlockHeader::read);
  }

  void write(FieldWriter w) {
    w.u8("version", VERSION);
    w.digest("chainId", chainId);
    w.i64("height", height);
    w.digest("previousHash", previousHash);
    w.i64("timestamp", timestamp);
    w.digest("bookkeeper", bookkeeper.digest());
    w.i64("round", round);
    w.bytes("consensusData", consensusData);
    w.u32("entryCount", entryCount);
    w.digest("entriesRoot", entriesRoot);
    w.digest("subBlocksRoot", subBlocksRoot);
    w.digest("patientHeadsRoot", patientHeadsRoot);
    w.i64("ledgerSize", ledgerSize);
    w.digest("ledgerRoot", ledgerRoot);
  }

  static BlockHeader read(FieldReader r) {
    int version = r.u8("version");
    if (version != VERSION) {
      throw new MalformedEncodingException("unknown header version " + version);
    }
    return Codecs.guard("block header", () -> new BlockHeader(r.digest("chainId"), r.i64("height"),
        r.digest("previousHash"), r.i64("timestamp"), ParticipantId.fromDigest(r.digest("bookkeeper")), r.i64("round"),
        r.bytes("consensusData", Limits.MAX_CONSENSUS_DATA), r.u32("entryCount", Limits.MAX_BLOCK_ENTRIES),
        r.digest("entriesRoot"), r.digest("subBlocksRoot"), r.digest("patientHeadsRoot"), r.i64("ledgerSize"),
        r.digest("ledgerRoot")));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlockHeader h && hash.equals(h.hash);
  }

  @Override
  public int hashCode() {
    return hash.hashCode();
  }

  @Override
  public String toString() {
    return "BlockHeader[height=" + height + ", hash=" + hash.toHex() + ", entries=" + entryCount + "]";
  }
}

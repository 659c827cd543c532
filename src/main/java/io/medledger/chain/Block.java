package io.medledger.chain;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.codec.BinaryFieldReader;
import io.medledger.internal.codec.BinaryFieldWriter;
import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A block: a header and its entries, in order. A {@code Block} is unverified data (decoded from
 * the network or built by a proposer); it becomes a {@link VerifiedBlock} only through
 * {@link Ledger#validate}. The certificate travels beside it ({@link CertifiedBlock}).
 *
 * <p>Canonical encoding: version byte 1, the header, a u32 entry count, then each entry as a
 * u32 length and its canonical encoding.
 *
 * <p>Immutable and thread-safe.
 */
public final class Block {
  /** The only block encoding version. */
  public static final int VERSION = 1;

  private final BlockHeader header;
  private final List<EncodedEntry> encoded;
  private final List<Entry> entries;
  /** This block's own hashes ({@link #localRoots}), computed at most a few times (racing threads agree). */
  private volatile BlockProcessor.LocalRoots localRoots;

  Block(BlockHeader header, List<EncodedEntry> encoded, boolean internal) {
    this.header = Objects.requireNonNull(header, "header");
    this.encoded = List.copyOf(encoded);
    if (header.entryCount() != encoded.size()) {
      throw new IllegalArgumentException("header announces " + header.entryCount() + " entries, block has "
          + encoded.size());
    }
    List<Entry> es = new ArrayList<>(encoded.size());
    for (EncodedEntry e : encoded) {
      es.add(e.entry);
    }
    this.entries = List.copyOf(es);
  }

  /**
   * Creates a block from a header and entries (not validated beyond the entry count).
   *
   * @throws IllegalArgumentException if the header's entry count differs from the list size
   */
  public Block(BlockHeader header, List<Entry> entries) {
    this(header, entries.stream().map(EncodedEntry::of).toList(), true);
  }

  /** The header. */
  public BlockHeader header() {
    return header;
  }

  /** The entries, in block order. */
  public List<Entry> entries() {
    return entries;
  }

  /** The header hash. */
  public Digest hash() {
    return header.hash();
  }

  /** The height. */
  public long height() {
    return header.height();
  }

  List<EncodedEntry> encodedEntries() {
    return encoded;
  }

  /** The hashes of this block that depend on its entries alone, computed on first use. */
  BlockProcessor.LocalRoots localRoots() {
    BlockProcessor.LocalRoots r = localRoots;
    if (r == null) {
      r = BlockProcessor.LocalRoots.of(encoded);
      localRoots = r;
    }
    return r;
  }

  /**
   * Whether the entries are the ones the header commits to: their RFC 9162 root is the header's
   * entries root (the entry count is checked at construction). Only then does {@link #hash()}
   * determine the whole block; a block that fails this is a header with a forged body, whoever
   * signed the header. Computes the block's own hashes on first use.
   */
  public boolean entriesMatchHeader() {
    return localRoots().entriesRoot().equals(header.entriesRoot());
  }

  /** Whether {@link #localRoots} has been computed (for tests). */
  boolean hasLocalRoots() {
    return localRoots != null;
  }

  /**
   * Computes now, on the calling thread, every hash that validating this block derives from its
   * own entries alone (entry ids, leaf hashes, {@link #localRoots}); later calls find them done.
   */
  void precompute() {
    for (EncodedEntry e : encoded) {
      e.id();
    }
    localRoots();
  }

  /**
   * The id of each entry ({@link Entry#id()}), in block order, each computed once per block
   * rather than by encoding the entry again.
   */
  public List<Digest> entryIds() {
    List<Digest> out = new ArrayList<>(encoded.size());
    for (EncodedEntry e : encoded) {
      out.add(e.id());
    }
    return java.util.Collections.unmodifiableList(out);
  }

  /** The canonical encoding of each entry ({@link Entry#encode()}), in block order, without encoding them again. */
  public List<byte[]> entryEncodings() {
    List<byte[]> out = new java.util.ArrayList<>(encoded.size());
    for (EncodedEntry e : encoded) {
      out.add(e.encoded.clone());
    }
    return out;
  }

  /** The canonical encoding. */
  public byte[] encode() {
    BinaryFieldWriter w = new BinaryFieldWriter(estimatedSize());
    write(w);
    return w.toByteArray();
  }

  int estimatedSize() {
    return (int) Math.min(Integer.MAX_VALUE, encodedSize());
  }

  /** The exact length of {@link #encode()}. */
  public long encodedSize() {
    long n = 1 + header.encodedLength() + 4;
    for (EncodedEntry e : encoded) {
      n += 4 + e.encoded.length;
    }
    return n;
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /**
   * Decodes a canonical encoding (at most {@link Limits#MAX_BLOCK_BYTES}).
   *
   * @throws MalformedEncodingException if the bytes are not one well-formed block
   */
  public static Block decode(byte[] bytes) {
    return Codecs.decode(bytes, Limits.MAX_BLOCK_BYTES, "block", Block::read);
  }

  /**
   * Parses the JSON view.
   *
   * @throws MalformedEncodingException if the text is not one well-formed block
   */
  public static Block fromJson(String json) {
    return Codecs.fromJson(json, 4 * Limits.MAX_BLOCK_BYTES, "block", Block::read);
  }

  void write(FieldWriter w) {
    w.u8("version", VERSION);
    w.object("header", header::write);
    if (w instanceof BinaryFieldWriter b) {
      b.rawU32(encoded.size());
      for (EncodedEntry e : encoded) {
        b.rawU32(e.encoded.length);
        b.raw(e.encoded);
      }
    } else {
      w.objectList("entries", entries, EntryCodec::write);
    }
  }

  static Block read(FieldReader r) {
    int version = r.u8("version");
    if (version != VERSION) {
      throw new MalformedEncodingException("unknown block version " + version);
    }
    BlockHeader header = r.object("header", BlockHeader::read);
    List<EncodedEntry> list;
    if (r instanceof BinaryFieldReader b) {
      int n = b.rawU32("entry count", Limits.MAX_BLOCK_ENTRIES);
      if ((long) n * 8 > b.remaining()) {
        throw new MalformedEncodingException("truncated input: block announces " + n + " entries");
      }
      list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int len = b.rawU32("entry length", Math.min(Limits.MAX_ENTRY_BYTES, b.remaining()));
        int at = b.skip(len, "entry");
        list.add(EntryCodec.readEncoded(Arrays.copyOfRange(b.array(), at, at + len)));
      }
    } else {
      list = r.objectList("entries", Limits.MAX_BLOCK_ENTRIES, EntryCodec::read).stream()
          .map(EncodedEntry::of).toList();
    }
    List<EncodedEntry> entries = list;
    return Codecs.guard("block", () -> new Block(header, entries, true));
  }

  /**
   * The header of an encoded {@link CertifiedBlock}, decoding nothing else.
   *
   * @throws MalformedEncodingException if the bytes do not start as a certified block
   */
  static BlockHeader headerOf(byte[] certifiedBlock) {
    return Codecs.guard("block", () -> BlockHeader.read(certifiedReader(certifiedBlock)));
  }

  /**
   * The entries at {@code positions} (ascending) of an encoded {@link CertifiedBlock}, decoding
   * only those: the others are skipped by their length prefixes. The caller knows the bytes
   * decode (they came from the block store, which checks them).
   *
   * @throws MalformedEncodingException if the bytes do not have a block's layout there
   */
  static List<EncodedEntry> entriesAt(byte[] certifiedBlock, int[] positions) {
    return Codecs.guard("block", () -> {
      BinaryFieldReader r = entriesReader(certifiedBlock);
      int n = r.rawU32("entry count", Limits.MAX_BLOCK_ENTRIES);
      List<EncodedEntry> out = new ArrayList<>(positions.length);
      int next = 0;
      for (int i = 0; i < n && next < positions.length; i++) {
        int len = r.rawU32("entry length", Math.min(Limits.MAX_ENTRY_BYTES, r.remaining()));
        int at = r.skip(len, "entry");
        if (i == positions[next]) {
          out.add(EntryCodec.readEncoded(Arrays.copyOfRange(certifiedBlock, at, at + len)));
          next++;
        }
      }
      if (next != positions.length) {
        throw new MalformedEncodingException("the block has no entry " + positions[next]);
      }
      return out;
    });
  }

  /**
   * Where the entries of an encoded {@link CertifiedBlock} lie in it: {@code n + 1} byte offsets
   * for {@code n} entries, where entry {@code i} is {@code [bounds[i] + 4, bounds[i + 1])} (each
   * entry follows its 4-byte length prefix).
   *
   * @throws MalformedEncodingException if the bytes do not have a block's layout
   */
  static int[] entryBounds(byte[] certifiedBlock) {
    return Codecs.guard("block", () -> {
      BinaryFieldReader r = entriesReader(certifiedBlock);
      int n = r.rawU32("entry count", Limits.MAX_BLOCK_ENTRIES);
      int[] bounds = new int[n + 1];
      for (int i = 0; i < n; i++) {
        bounds[i] = r.position();
        r.skip(r.rawU32("entry length", Math.min(Limits.MAX_ENTRY_BYTES, r.remaining())), "entry");
      }
      bounds[n] = r.position();
      return bounds;
    });
  }

  /** A reader over an encoded certified block, positioned at its header. */
  private static BinaryFieldReader certifiedReader(byte[] certifiedBlock) {
    BinaryFieldReader r = new BinaryFieldReader(certifiedBlock);
    if (r.u8("version") != 1 || r.u8("block version") != VERSION) {
      throw new MalformedEncodingException("unknown certified block version");
    }
    return r;
  }

  /** A reader over an encoded certified block, positioned at its entry count. */
  private static BinaryFieldReader entriesReader(byte[] certifiedBlock) {
    BinaryFieldReader r = certifiedReader(certifiedBlock);
    BlockHeader.read(r);
    return r;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Block b && header.equals(b.header) && entries.equals(b.entries);
  }

  @Override
  public int hashCode() {
    return header.hashCode();
  }

  @Override
  public String toString() {
    return "Block[height=" + header.height() + ", hash=" + header.hash().toHex() + ", entries=" + entries.size() + "]";
  }
}

package io.medledger.consensus.sim;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.consensus.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A block of the simulator application: height, previous block hash, timestamp, the bookkeeper
 * that built it, the RFC 9162 root over its encoded entries, and the entries. Its hash covers the
 * header only (the root commits to the entries). Immutable.
 */
public final class SimBlock {
  /** Most entries a decoder accepts. */
  public static final int MAX_ENTRIES = 100_000;

  private final long height;
  private final Digest previous;
  private final long timestamp;
  private final byte[] proposer;
  private final Digest entriesRoot;
  private final List<byte[]> entries;
  private final Digest hash;

  private SimBlock(long height, Digest previous, long timestamp, byte[] proposer,
      Digest entriesRoot, List<byte[]> entries) {
    this.height = height;
    this.previous = Objects.requireNonNull(previous);
    this.timestamp = timestamp;
    this.proposer = Objects.requireNonNull(proposer);
    if (proposer.length != 32) {
      throw new IllegalArgumentException("a proposer key is 32 bytes");
    }
    this.entriesRoot = entriesRoot;
    this.entries = entries;
    this.hash = Sha256.hash(header());
  }

  /** A block over {@code entries} (encoded {@link SimEntry} values) with their computed root. */
  public static SimBlock build(long height, Digest previous, long timestamp, Ed25519PublicKey proposer,
      List<byte[]> entries) {
    List<byte[]> copy = copy(entries);
    return new SimBlock(height, previous, timestamp, proposer.toBytes(), rootOf(copy), copy);
  }

  /** A block with an arbitrary (possibly wrong) root: for Byzantine behaviours and tests. */
  public static SimBlock withRoot(long height, Digest previous, long timestamp, Ed25519PublicKey proposer,
      Digest root, List<byte[]> entries) {
    return new SimBlock(height, previous, timestamp, proposer.toBytes(), root, copy(entries));
  }

  private static List<byte[]> copy(List<byte[]> entries) {
    List<byte[]> c = new ArrayList<>(entries.size());
    for (byte[] e : entries) {
      c.add(e.clone());
    }
    return List.copyOf(c);
  }

  /** RFC 9162 Merkle tree hash over the entries as leaves. */
  public static Digest rootOf(List<byte[]> entries) {
    List<Digest> leaves = new ArrayList<>(entries.size());
    for (byte[] e : entries) {
      leaves.add(Sha256.hashPrefixed((byte) 0, e));
    }
    return mth(leaves, 0, leaves.size());
  }

  private static Digest mth(List<Digest> l, int from, int to) {
    int n = to - from;
    if (n == 0) {
      return Sha256.hash(new byte[0]);
    }
    if (n == 1) {
      return l.get(from);
    }
    int k = Integer.highestOneBit(n - 1);
    return Sha256.hashPrefixed((byte) 1, mth(l, from, from + k), mth(l, from + k, to));
  }

  private byte[] header() {
    return new Wire.Writer(150).i64(height).digest(previous).i64(timestamp).raw(proposer)
        .digest(entriesRoot).i32(entries.size()).toByteArray();
  }

  public long height() {
    return height;
  }

  public Digest previous() {
    return previous;
  }

  public long timestamp() {
    return timestamp;
  }

  /** The bookkeeper's key, decoded (and validated) on each call. */
  public Ed25519PublicKey proposer() {
    return Ed25519PublicKey.fromBytes(proposer);
  }

  /** The bookkeeper's raw 32-byte key. */
  public byte[] proposerBytes() {
    return proposer.clone();
  }

  boolean proposedBy(Ed25519PublicKey k) {
    return java.util.Arrays.equals(proposer, k.toBytes());
  }

  public Digest entriesRoot() {
    return entriesRoot;
  }

  /** The encoded entries (copies). */
  public List<byte[]> entries() {
    return new ArrayList<>(copy(entries));
  }

  List<byte[]> entriesRaw() {
    return entries;
  }

  /** SHA-256 of the header. */
  public Digest hash() {
    return hash;
  }

  /** The canonical encoding: header then length-prefixed entries. */
  public byte[] encode() {
    int size = 160;
    for (byte[] e : entries) {
      size += 4 + e.length;
    }
    Wire.Writer w = new Wire.Writer(size).raw(header());
    for (byte[] e : entries) {
      w.bytes(e);
    }
    return w.toByteArray();
  }

  /** Decodes a block. @throws MalformedEncodingException if the bytes are not one block */
  public static SimBlock decode(byte[] bytes) {
    Wire.Reader r = new Wire.Reader(bytes);
    long h = r.i64In(1, Long.MAX_VALUE, "height");
    Digest prev = r.digest();
    long ts = r.i64();
    byte[] p = r.raw(32);
    Digest root = r.digest();
    int n = r.count(Math.min(MAX_ENTRIES, r.remaining() / 4), "entry");
    List<byte[]> es = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      es.add(r.bytes(SimEntry.MAX_PAYLOAD + 200));
    }
    r.done();
    return new SimBlock(h, prev, ts, p, root, List.copyOf(es));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SimBlock b && b.hash.equals(hash);
  }

  @Override
  public int hashCode() {
    return hash.hashCode();
  }

  @Override
  public String toString() {
    return "SimBlock[h=" + height + ", " + entries.size() + " entries, " + hash.toHex().substring(0, 12) + "]";
  }
}

package io.medledger.anchor.bitcoin;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * An 80-byte Bitcoin block header: version, previous block hash, Merkle root, time, compact
 * target ({@code nBits}) and nonce, all little-endian on the wire.
 *
 * <p>Hashes are held in internal byte order (as serialized and hashed); {@link #hashHex()} and
 * {@link #merkleRootHex()} give the reversed display order that Bitcoin Core's RPC and block
 * explorers print. A parsed header is only well formed: its proof of work is checked by
 * {@link #checkProofOfWork(BitcoinChainParams)} and its place in a chain by {@link HeaderChain}.
 * Immutable and thread-safe.
 */
public final class BitcoinBlockHeader {
  /** Serialized size in bytes. */
  public static final int SIZE = 80;

  private final byte[] bytes;
  private final Digest hash;

  private BitcoinBlockHeader(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Sha256.doubleHash(bytes);
  }

  /**
   * Parses exactly 80 bytes.
   *
   * @throws MalformedEncodingException if {@code bytes} is not 80 bytes long
   */
  public static BitcoinBlockHeader parse(byte[] bytes) {
    if (bytes.length != SIZE) {
      throw new MalformedEncodingException("a block header is 80 bytes, got " + bytes.length);
    }
    return new BitcoinBlockHeader(bytes.clone());
  }

  /**
   * Parses the 80 bytes at {@code off} of {@code buf}.
   *
   * @throws MalformedEncodingException if fewer than 80 bytes remain
   */
  public static BitcoinBlockHeader parse(byte[] buf, int off) {
    if (off < 0 || off > buf.length || buf.length - off < SIZE) {
      throw new MalformedEncodingException("truncated block header at offset " + off);
    }
    return new BitcoinBlockHeader(Arrays.copyOfRange(buf, off, off + SIZE));
  }

  /**
   * Parses 160 hex characters (wire order).
   *
   * @throws MalformedEncodingException if the text is not 80 bytes of hex
   */
  public static BitcoinBlockHeader fromHex(String hex) {
    if (hex.length() != 2 * SIZE) {
      throw new MalformedEncodingException(
          "a block header is 160 hex characters, got " + hex.length());
    }
    try {
      return new BitcoinBlockHeader(Hex.decode(hex));
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("block header is not hex: " + e.getMessage(), e);
    }
  }

  /**
   * Builds a header from its fields.
   *
   * @param time seconds since the epoch, 0..2^32-1
   * @param nonce 0..2^32-1
   */
  public static BitcoinBlockHeader of(
      int version, Digest previousBlockHash, Digest merkleRoot, long time, int bits, long nonce) {
    Objects.requireNonNull(previousBlockHash, "previousBlockHash");
    Objects.requireNonNull(merkleRoot, "merkleRoot");
    if (time < 0 || time > 0xffffffffL || nonce < 0 || nonce > 0xffffffffL) {
      throw new IllegalArgumentException("time and nonce are unsigned 32-bit values");
    }
    byte[] b = new byte[SIZE];
    putLe32(b, 0, version);
    previousBlockHash.copyTo(b, 4);
    merkleRoot.copyTo(b, 36);
    putLe32(b, 68, (int) time);
    putLe32(b, 72, bits);
    putLe32(b, 76, (int) nonce);
    return new BitcoinBlockHeader(b);
  }

  /** The 80 serialized bytes (a copy). */
  public byte[] serialize() {
    return bytes.clone();
  }

  /** The serialized header as 160 lowercase hex characters. */
  public String toHex() {
    return Hex.encode(bytes);
  }

  /** The version field (signed, as Core reads it). */
  public int version() {
    return le32(bytes, 0);
  }

  /** The previous block's hash, internal byte order. */
  public Digest previousBlockHash() {
    return Digest.of(bytes, 4);
  }

  /** The Merkle root of the block's transactions, internal byte order (header bytes 36..67). */
  public Digest merkleRoot() {
    return Digest.of(bytes, 36);
  }

  /** The Merkle root in display order (hex), as {@code getblockheader} prints it. */
  public String merkleRootHex() {
    return merkleRoot().reversed().toHex();
  }

  /** The block time, unsigned seconds since the epoch. */
  public long time() {
    return le32(bytes, 68) & 0xffffffffL;
  }

  /** The compact target {@code nBits}. */
  public int bits() {
    return le32(bytes, 72);
  }

  /** The nonce, unsigned. */
  public long nonce() {
    return le32(bytes, 76) & 0xffffffffL;
  }

  /** The block hash, SHA-256d of the 80 bytes, internal byte order. */
  public Digest hash() {
    return hash;
  }

  /** The block hash in display order (hex), as explorers print it. */
  public String hashHex() {
    return hash.reversed().toHex();
  }

  /** The block hash read as a little-endian 256-bit number. */
  public BigInteger hashValue() {
    return new BigInteger(1, hash.reversed().toByteArray());
  }

  /** The decoded compact target of this header. */
  public CompactTarget.Decoded target() {
    return CompactTarget.decode(bits());
  }

  /** The expected number of hashes this header represents; zero for an unusable target. */
  public BigInteger work() {
    return CompactTarget.work(bits());
  }

  /**
   * Core's {@code CheckProofOfWork}: the compact target is positive, does not overflow, is at
   * most {@code params.powLimit()}, and the hash, as a number, is at most the target.
   */
  public boolean checkProofOfWork(BitcoinChainParams params) {
    CompactTarget.Decoded t = target();
    if (!t.isUsableTarget() || t.target().compareTo(params.powLimit()) > 0) {
      return false;
    }
    return hashValue().compareTo(t.target()) <= 0;
  }

  static int le32(byte[] b, int off) {
    return (b[off] & 0xff)
        | (b[off + 1] & 0xff) << 8
        | (b[off + 2] & 0xff) << 16
        | (b[off + 3] & 0xff) << 24;
  }

  private static void putLe32(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
    b[off + 2] = (byte) (v >>> 16);
    b[off + 3] = (byte) (v >>> 24);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BitcoinBlockHeader h && Arrays.equals(bytes, h.bytes);
  }

  @Override
  public int hashCode() {
    return hash.hashCode();
  }

  @Override
  public String toString() {
    return "BitcoinBlockHeader[" + hashHex() + "]";
  }
}

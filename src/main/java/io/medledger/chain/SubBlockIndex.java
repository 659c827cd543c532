package io.medledger.chain;

import io.medledger.crypto.Digest;
import java.util.Arrays;

/**
 * One key's sub-blocks, read from the state store: height, running entry total, hash, the
 * positions of the key's entries in the block and where each lies in the stored block (byte
 * offset and length). A sub-block header is rebuilt from these plus those entries (for the
 * entries root). Confined to the reading thread.
 */
final class SubBlockIndex {
  private long[] heights = new long[2];
  private long[] totals = new long[2];
  private byte[] hashes = new byte[2 * Digest.LENGTH];
  private int[][] positions = new int[2][];
  private int[][] ranges = new int[2][];
  private int size;

  /**
   * Adds the sub-block at {@code height}: {@code at} its entries' positions, {@code range} their
   * byte offsets and lengths in the stored block, interleaved ({@code 2 * at.length} values).
   */
  void add(long height, long total, Digest hash, int[] at, int[] range) {
    if (size == heights.length) {
      heights = Arrays.copyOf(heights, size * 2);
      totals = Arrays.copyOf(totals, size * 2);
      hashes = Arrays.copyOf(hashes, size * 2 * Digest.LENGTH);
      positions = Arrays.copyOf(positions, size * 2);
      ranges = Arrays.copyOf(ranges, size * 2);
    }
    positions[size] = at;
    ranges[size] = range;
    heights[size] = height;
    totals[size] = total;
    hash.copyTo(hashes, size * Digest.LENGTH);
    size++;
  }

  int size() {
    return size;
  }

  long height(int i) {
    return heights[i];
  }

  long total(int i) {
    return totals[i];
  }

  Digest hash(int i) {
    return Digest.of(hashes, i * Digest.LENGTH);
  }

  /** The positions in its block of sub-block {@code i}'s entries, ascending. */
  int[] positions(int i) {
    return positions[i];
  }

  /**
   * Where sub-block {@code i}'s entries lie in the stored block: offset and length of each,
   * interleaved, as the state recorded them (unchecked: the reader checks what it reads by hash).
   */
  int[] ranges(int i) {
    return ranges[i];
  }

  /** Position of the sub-block at {@code height}, or -1. */
  int indexOf(long height) {
    int i = Arrays.binarySearch(heights, 0, size, height);
    return i >= 0 ? i : -1;
  }

  /** The header of sub-block {@code i}, given its entries root. */
  SubBlockHeader header(Digest key, int i, Digest entriesRoot) {
    long before = i == 0 ? 0 : totals[i - 1];
    return new SubBlockHeader(key, heights[i], i == 0 ? SubBlockHeader.NONE : hash(i - 1),
        i == 0 ? -1 : heights[i - 1], (int) (totals[i] - before), totals[i], entriesRoot);
  }
}

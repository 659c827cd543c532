package io.medledger.merkle;

/**
 * A growable array of 32-byte hashes stored in flat chunks that never move once full, for one
 * writer and concurrent readers. The writer fills a slot and then publishes it through a
 * volatile write elsewhere (the owner's size); readers that read that size first see the slot.
 * The chunk directory is itself published through a volatile field, so a reader always sees a
 * directory that covers every slot published before its size read.
 */
final class HashArray {
  static final int CHUNK_BITS = 12;
  static final int CHUNK_HASHES = 1 << CHUNK_BITS;
  private static final int FIRST_CAPACITY = 4;

  private volatile byte[][] chunks = {new byte[FIRST_CAPACITY * NodeHasher.HASH]};

  /** Byte offset of {@code index} inside its chunk. */
  static int offset(long index) {
    return (int) (index & (CHUNK_HASHES - 1)) * NodeHasher.HASH;
  }

  /** The chunk holding {@code index}, which must have been published. */
  byte[] chunk(long index) {
    return chunks[(int) (index >>> CHUNK_BITS)];
  }

  /** Writer only: the chunk in which slot {@code index} may be written, growing as needed. */
  byte[] chunkForWrite(long index) {
    byte[][] dir = chunks;
    int ci = (int) (index >>> CHUNK_BITS);
    int end = offset(index) + NodeHasher.HASH;
    if (ci < dir.length) {
      byte[] c = dir[ci];
      if (c != null && end <= c.length) {
        return c;
      }
    }
    return grow(dir, ci, end);
  }

  private byte[] grow(byte[][] dir, int ci, int end) {
    int slots = ci < dir.length ? dir.length : Math.max(ci + 1, dir.length * 2);
    byte[][] next = java.util.Arrays.copyOf(dir, slots);
    byte[] c = next[ci];
    byte[] bigger;
    if (c == null) {
      bigger = new byte[CHUNK_HASHES * NodeHasher.HASH];
    } else {
      // Only the first chunk starts small; it doubles until it reaches the full chunk size.
      int cap = c.length;
      while (cap < end) {
        cap *= 2;
      }
      bigger = java.util.Arrays.copyOf(c, Math.min(cap, CHUNK_HASHES * NodeHasher.HASH));
    }
    next[ci] = bigger;
    chunks = next;
    return bigger;
  }
}

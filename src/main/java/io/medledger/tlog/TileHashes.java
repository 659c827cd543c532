package io.medledger.tlog;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;

/** Hashing inside hash tiles, shared by the tile log and the offline verifier. */
final class TileHashes {
  private static final ThreadLocal<MessageDigest> MD = ThreadLocal.withInitial(Sha256::newMessageDigest);

  /** Returns a tile's hashes: tile {@code index} of {@code level}, at least as wide as asked. */
  @FunctionalInterface
  interface Tiles {
    byte[] tile(int level, long index);
  }

  private TileHashes() {}

  /** MTH of {@code count} (a power of two) 32-byte hashes at {@code t[off * 32..]}. */
  static byte[] mth(byte[] t, int off, int count) {
    MessageDigest md = MD.get();
    byte[] buf = Arrays.copyOfRange(t, off * Digest.LENGTH, (off + count) * Digest.LENGTH);
    for (int n = count; n > 1; n >>>= 1) {
      for (int i = 0; i < n; i += 2) {
        md.update((byte) 0x01);
        md.update(buf, i * Digest.LENGTH, 2 * Digest.LENGTH);
        try {
          md.digest(buf, (i / 2) * Digest.LENGTH, Digest.LENGTH);
        } catch (DigestException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return Arrays.copyOf(buf, Digest.LENGTH);
  }

  /** The hash of the complete subtree of {@code height} at {@code index}, from one tile. */
  static Digest subtree(Tiles tiles, int height, long index) {
    int level = height / TilePath.HEIGHT;
    int k = height % TilePath.HEIGHT;
    long first = index << k;
    byte[] t = tiles.tile(level, first >>> TilePath.HEIGHT);
    int off = (int) (first & (TilePath.FULL - 1));
    return k == 0 ? Digest.of(t, off * Digest.LENGTH) : Digest.of(mth(t, off, 1 << k));
  }
}

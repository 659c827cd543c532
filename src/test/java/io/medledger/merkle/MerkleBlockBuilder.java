package io.medledger.merkle;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** A BIP 37 {@code merkleblock} builder written from the BIP, used only to make test inputs. */
final class MerkleBlockBuilder {
  private MerkleBlockBuilder() {}

  static byte[] build(byte[] header, List<Digest> txids, BitSet match) {
    List<Digest> hashes = new ArrayList<>();
    List<Boolean> bits = new ArrayList<>();
    int height = 0;
    while (width(txids.size(), height) > 1) {
      height++;
    }
    walk(txids, match, height, 0, hashes, bits);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(header);
    int n = txids.size();
    o.writeBytes(new byte[] {(byte) n, (byte) (n >>> 8), (byte) (n >>> 16), (byte) (n >>> 24)});
    compactSize(o, hashes.size());
    hashes.forEach(x -> o.writeBytes(x.toByteArray()));
    byte[] flags = new byte[(bits.size() + 7) / 8];
    for (int i = 0; i < bits.size(); i++) {
      if (bits.get(i)) {
        flags[i / 8] |= (byte) (1 << (i % 8));
      }
    }
    compactSize(o, flags.length);
    o.writeBytes(flags);
    return o.toByteArray();
  }

  private static void compactSize(ByteArrayOutputStream o, int v) {
    if (v < 0xfd) {
      o.write(v);
    } else {
      o.write(0xfd);
      o.write(v & 0xff);
      o.write(v >>> 8);
    }
  }

  private static long width(int n, int height) {
    return (n + (1L << height) - 1) >> height;
  }

  private static void walk(List<Digest> txids, BitSet match, int height, int pos, List<Digest> hashes, List<Boolean> bits) {
    int from = pos << height;
    int to = Math.min((pos + 1) << height, txids.size());
    int next = match.nextSetBit(from);
    boolean parentOfMatch = next >= 0 && next < to;
    bits.add(parentOfMatch);
    if (height == 0 || !parentOfMatch) {
      hashes.add(nodeHash(txids, height, pos));
    } else {
      walk(txids, match, height - 1, pos * 2, hashes, bits);
      if (pos * 2 + 1 < width(txids.size(), height - 1)) {
        walk(txids, match, height - 1, pos * 2 + 1, hashes, bits);
      }
    }
  }

  private static Digest nodeHash(List<Digest> txids, int height, int pos) {
    if (height == 0) {
      return txids.get(pos);
    }
    Digest left = nodeHash(txids, height - 1, pos * 2);
    Digest right = pos * 2 + 1 < width(txids.size(), height - 1) ? nodeHash(txids, height - 1, pos * 2 + 1) : left;
    return Sha256.doubleHash(left, right);
  }
}

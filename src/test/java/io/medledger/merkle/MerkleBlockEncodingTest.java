package io.medledger.merkle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code merkleblock} writer: every CompactSize form a count can take, checked byte for byte
 * against Bitcoin Core's rule ({@code WriteCompactSize}: below 253 one byte; up to 0xffff the
 * marker 0xfd and two little-endian bytes; up to 0xffffffff the marker 0xfe and four), and the
 * arguments {@link MerkleBlock#of} refuses.
 */
class MerkleBlockEncodingTest {
  private static final HexFormat HEX = HexFormat.of();

  /** A merkleblock payload with {@code hashes} hashes and {@code flagBytes} flag bytes, the counts written as given. */
  private static byte[] payload(int hashes, String hashCount, int flagBytes, String flagCount) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    byte[] header = new byte[MerkleBlock.HEADER_LENGTH];
    header[0] = 1;
    o.writeBytes(header);
    o.writeBytes(new byte[] {(byte) 0x10, (byte) 0x27, 0, 0}); // 10,000 transactions
    o.writeBytes(HEX.parseHex(hashCount));
    for (int i = 0; i < hashes; i++) {
      o.writeBytes(Sha256.hash(new byte[] {(byte) i, (byte) (i >>> 8), (byte) (i >>> 16)}).toByteArray());
    }
    o.writeBytes(HEX.parseHex(flagCount));
    for (int i = 0; i < flagBytes; i++) {
      o.write(i * 7 + 1);
    }
    return o.toByteArray();
  }

  private static void assertReencodesExactly(byte[] expected) {
    MerkleBlock b = MerkleBlock.parse(expected);
    byte[] actual = b.encode();
    assertEquals(expected.length, actual.length);
    assertArrayEquals(expected, actual);
    MerkleBlock again = MerkleBlock.parse(expected);
    assertEquals(b, again, "two parses of the same bytes are equal");
    assertEquals(b.hashCode(), again.hashCode());
    assertEquals(b.tree(), again.tree());
  }

  @Test
  void everyCountIsWrittenInItsCanonicalCompactSize() {
    // hash counts: the largest one-byte form, the smallest 0xfd form, one with distinct bytes
    assertReencodesExactly(payload(252, "fc", 1, "01"));
    assertReencodesExactly(payload(253, "fdfd00", 1, "01"));
    assertReencodesExactly(payload(0x0123, "fd2301", 2, "02"));
    // flag byte counts, up to the 0xfe form (a 64 KiB flag field is within the decoder's bounds)
    assertReencodesExactly(payload(1, "01", 0xfc, "fc"));
    assertReencodesExactly(payload(1, "01", 0xfd, "fdfd00"));
    assertReencodesExactly(payload(1, "01", 0xfffe, "fdfeff"));
    assertReencodesExactly(payload(1, "01", 0xffff, "fdffff"));
    assertReencodesExactly(payload(1, "01", 0x10000, "fe00000100"));
    assertReencodesExactly(payload(0, "00", 0x012345, "fe45230100"));
  }

  @Test
  void theCountsSitWhereBitcoinCorePutsThem() {
    byte[] encoded = MerkleBlock.parse(payload(0x0123, "fd2301", 0x010203, "fe03020100")).encode();
    int hashCountAt = MerkleBlock.HEADER_LENGTH + 4;
    assertEquals("fd2301", HEX.formatHex(encoded, hashCountAt, hashCountAt + 3));
    int flagCountAt = hashCountAt + 3 + 0x0123 * 32;
    assertEquals("fe03020100", HEX.formatHex(encoded, flagCountAt, flagCountAt + 5));
    assertEquals(flagCountAt + 5 + 0x010203, encoded.length);
  }

  private static List<Digest> txids(int n) {
    List<Digest> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Sha256.hash(new byte[] {(byte) i, (byte) (i >>> 8)}));
    }
    return out;
  }

  private static byte[] header(List<Digest> txids) {
    byte[] h = new byte[MerkleBlock.HEADER_LENGTH];
    h[0] = 1;
    BitcoinMerkle.root(txids).copyTo(h, 36);
    return h;
  }

  @Test
  void ofRefusesEachBadArgumentAndTakesEachEdge() {
    List<Digest> five = txids(5);
    byte[] header = header(five);
    for (int len : new int[] {0, 79, 81}) {
      assertThrows(IllegalArgumentException.class, () -> MerkleBlock.of(new byte[len], five, 0), "header of " + len);
    }
    assertThrows(IllegalArgumentException.class, () -> MerkleBlock.of(header, List.of(), 0));
    assertThrows(IllegalArgumentException.class, () -> MerkleBlock.of(header, five, -1));
    assertThrows(IllegalArgumentException.class, () -> MerkleBlock.of(header, five, 5));
    for (int index : new int[] {0, 4}) {
      PartialMerkleTree.Matched m = assertInstanceOf(PartialMerkleTree.Matched.class, MerkleBlock.of(header, five, index).verify());
      assertEquals(List.of(new PartialMerkleTree.Match(index, five.get(index))), m.matches());
    }
    List<Digest> most = txids((int) PartialMerkleTree.MAX_TRANSACTIONS);
    MerkleBlock largest = MerkleBlock.of(header(most), most, (int) PartialMerkleTree.MAX_TRANSACTIONS - 1);
    assertEquals(PartialMerkleTree.MAX_TRANSACTIONS, largest.tree().totalTransactions());
    assertInstanceOf(PartialMerkleTree.Matched.class, largest.verify());
    List<Digest> tooMany = txids((int) PartialMerkleTree.MAX_TRANSACTIONS + 1);
    assertThrows(IllegalArgumentException.class, () -> MerkleBlock.of(header(most), tooMany, 0));
  }

  @Test
  void ofKeepsItsOwnCopyOfTheHeader() {
    List<Digest> five = txids(5);
    byte[] header = header(five);
    MerkleBlock b = MerkleBlock.of(header, five, 2);
    byte[] before = header.clone();
    Arrays.fill(header, (byte) 0x55);
    assertArrayEquals(before, b.header());
    assertInstanceOf(PartialMerkleTree.Matched.class, b.verify());
  }

  @Test
  void aNullPathFailsEvenWhereAnEmptyPathWouldPass() {
    MerkleLog log = MerkleLogTest.logOf(1);
    byte[] leaf = log.leafHash(0).toByteArray();
    byte[] root = log.root(1).toByteArray();
    assertFalse(MerkleVerifier.verifyInclusionRaw(0, 1, null, leaf, root));
    assertFalse(MerkleVerifier.verifyConsistencyRaw(1, 1, null, root, root.clone()));
  }
}

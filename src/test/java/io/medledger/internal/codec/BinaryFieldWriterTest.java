package io.medledger.internal.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.ByteString;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The canonical binary writer, byte for byte: big-endian integers, u32 prefixes, presence bytes,
 * back-patched object lengths, out-of-range values refused, and a buffer that grows.
 */
class BinaryFieldWriterTest {
  private static final Digest D = Digest.fromHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

  private static String hex(BinaryFieldWriter w) {
    return Hex.encode(w.toByteArray());
  }

  @Test
  void integersAreBigEndianAndFixedWidth() {
    BinaryFieldWriter w = new BinaryFieldWriter();
    w.u8("a", 0);
    w.u8("b", 255);
    w.u32("c", 0x01020304);
    w.u32("d", 0);
    w.i64("e", 0x0102030405060708L);
    w.i64("f", -2);
    w.bool("g", true);
    w.bool("h", false);
    w.enumValue("i", 7, "seven");
    assertEquals("00ff" + "01020304" + "00000000" + "0102030405060708" + "fffffffffffffffe" + "01" + "00" + "07", hex(w));
    assertEquals(1 + 1 + 4 + 4 + 8 + 8 + 1 + 1 + 1, w.size());
  }

  @Test
  void outOfRangeIntegersAreRefused() {
    BinaryFieldWriter w = new BinaryFieldWriter();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.u8("a", 256));
    assertEquals("a out of u8 range", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> w.u8("a", -1));
    assertThrows(IllegalArgumentException.class, () -> w.enumValue("e", 256, "x"));
    e = assertThrows(IllegalArgumentException.class, () -> w.u32("n", -1));
    assertEquals("n is negative", e.getMessage());
    assertEquals(0, w.size());
  }

  @Test
  void digestsBytesAndStrings() {
    BinaryFieldWriter w = new BinaryFieldWriter();
    w.digest("d", D);
    w.optionalDigest("o", null);
    w.optionalDigest("o", D);
    w.bytes("b", ByteString.of(new byte[] {(byte) 0xab, (byte) 0xcd}));
    w.bytes("b", ByteString.EMPTY);
    w.string("s", "h\u00e9");
    assertEquals(D.toHex() + "00" + "01" + D.toHex() + "00000002abcd" + "00000000" + "0000000368c3a9", hex(w));
  }

  @Test
  void listsAreCounted() {
    BinaryFieldWriter w = new BinaryFieldWriter();
    w.digestList("d", List.of(D, D));
    w.bytesList("b", List.of(ByteString.of(new byte[] {1}), ByteString.EMPTY));
    w.stringList("s", List.of("a", "bc"));
    w.digestList("d", List.of());
    assertEquals("00000002" + D.toHex() + D.toHex() + "00000002" + "0000000101" + "00000000"
        + "00000002" + "0000000161" + "000000026263" + "00000000", hex(w));
  }

  @Test
  void objectsAreInlineAndListedObjectsLengthPrefixed() {
    BinaryFieldWriter w = new BinaryFieldWriter();
    w.u8("lead", 9);
    w.object("o", x -> x.u8("a", 1));
    w.objectList("l", List.of(1, 300), (n, x) -> {
      x.u8("a", n & 0xff);
      if (n > 255) {
        x.u32("b", n);
      }
    });
    w.u8("tail", 8);
    assertEquals("09" + "01" + "00000002" + "00000001" + "01" + "00000005" + "2c" + "0000012c" + "08", hex(w));
  }

  @Test
  void aListedObjectLengthUsesAllFourBytes() {
    // 0x01020304 bytes: every byte of the length prefix differs from the others and from zero
    int n = 0x01020304;
    BinaryFieldWriter w = new BinaryFieldWriter();
    w.objectList("l", List.of(n), (len, x) -> ((BinaryFieldWriter) x).raw(new byte[len]));
    byte[] out = w.toByteArray();
    assertEquals(4 + 4 + n, out.length);
    assertEquals("0000000101020304", Hex.encode(out, 0, 8));
  }

  @Test
  void theBufferGrowsPastItsInitialCapacity() {
    BinaryFieldWriter w = new BinaryFieldWriter(1);
    byte[] expected = new byte[100];
    for (int i = 0; i < 100; i++) {
      expected[i] = (byte) i;
      w.rawByte(i);
    }
    byte[] big = new byte[1000];
    java.util.Arrays.fill(big, (byte) 7);
    w.raw(big, 10, 500);
    w.raw(new byte[0]);
    byte[] out = w.toByteArray();
    assertEquals(600, out.length);
    assertArrayEquals(expected, java.util.Arrays.copyOf(out, 100));
    for (int i = 100; i < 600; i++) {
      assertEquals(7, out[i]);
    }
  }

  @Test
  void everyFixedWidthWriteGrowsAFullBuffer() {
    // the smallest buffer is 16 bytes: 15 written, then each write crosses its end
    for (int kind = 0; kind < 4; kind++) {
      BinaryFieldWriter w = new BinaryFieldWriter(1);
      w.raw(new byte[15]);
      switch (kind) {
        case 0 -> w.i64("t", -1L);
        case 1 -> w.u32("n", 0x7fffffff);
        case 2 -> w.digest("d", D);
        default -> w.bytes("b", ByteString.of(new byte[] {1, 2}));
      }
      String tail = switch (kind) {
        case 0 -> "ffffffffffffffff";
        case 1 -> "7fffffff";
        case 2 -> D.toHex();
        default -> "000000020102";
      };
      assertEquals("00".repeat(15) + tail, hex(w), "write " + kind);
    }
  }

  @Test
  void anEmptyWriteOnAnEmptyWriterIsFine() {
    BinaryFieldWriter w = new BinaryFieldWriter();
    w.raw(new byte[0]);
    w.bytes("b", ByteString.EMPTY);
    assertEquals("00000000", hex(w));
  }

  @Test
  void anEncodingAbove2GiBIsRefusedBeforeWriting() {
    BinaryFieldWriter w = new BinaryFieldWriter();
    w.rawByte(1);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.raw(new byte[1], 0, Integer.MAX_VALUE));
    assertTrue(e.getMessage().contains("2 GiB"), e.getMessage());
    assertEquals(1, w.size());
  }

  @Test
  void whatTheWriterWritesTheReaderReads() {
    BinaryFieldWriter w = new BinaryFieldWriter();
    w.i64("t", Long.MIN_VALUE);
    w.string("s", "x");
    w.optionalDigest("o", D);
    BinaryFieldReader r = new BinaryFieldReader(w.toByteArray());
    assertEquals(Long.MIN_VALUE, r.i64("t"));
    assertEquals("x", r.string("s", 1));
    assertEquals(D, r.optionalDigest("o"));
    r.finish();
  }
}

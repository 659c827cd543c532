package io.medledger.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every read of the binary reader is bounded: truncated input fails with
 * {@link MalformedEncodingException} (never an index exception from the array), also when the
 * reader covers only part of a larger array, and every announced length or count is checked
 * against its limit and the bytes left before anything is allocated.
 */
class BinaryFieldReaderTest {
  /** A reader over {@code bytes} placed inside a larger array, with readable bytes after them. */
  private static BinaryFieldReader window(byte... bytes) {
    byte[] big = new byte[bytes.length + 64];
    Arrays.fill(big, (byte) 0x01);
    System.arraycopy(bytes, 0, big, 3, bytes.length);
    big[0] = 0x7f;
    return new BinaryFieldReader(big, 3, bytes.length);
  }

  private static MalformedEncodingException malformed(byte[] bytes, Function<BinaryFieldReader, ?> read) {
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> read.apply(window(bytes)));
    // and the same on a reader over exactly these bytes
    assertThrows(MalformedEncodingException.class, () -> read.apply(new BinaryFieldReader(bytes)));
    return e;
  }

  private static void truncated(byte[] bytes, Function<BinaryFieldReader, ?> read) {
    MalformedEncodingException e = malformed(bytes, read);
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  private static byte[] u32(long v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  private static byte[] cat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  @Test
  void fixedWidthReadsAreBounded() {
    truncated(new byte[0], r -> r.rawByte("b"));
    truncated(new byte[0], r -> r.u8("b"));
    truncated(new byte[3], r -> r.rawU32("n", 10));
    truncated(new byte[3], r -> r.u32("n", 10));
    truncated(new byte[7], r -> r.i64("t"));
    truncated(new byte[31], r -> r.digest("d"));
    truncated(new byte[] {1}, r -> r.optionalDigest("d"));
    truncated(new byte[0], r -> r.bool("b"));
    truncated(new byte[0], r -> r.enumValue("e", List.of("a")));
    truncated(new byte[2], r -> r.skip(3, "s"));
    truncated(new byte[2], r -> r.skip(-1, "s"));
  }

  @Test
  void fixedWidthReadsReadExactlyTheirBytes() {
    BinaryFieldReader r = window(cat(new byte[] {(byte) 0xfe}, u32(0x01020304L),
        new byte[] {(byte) 0x80, 0, 0, 0, 0, 0, 0, 5}, new byte[32], new byte[] {0, 1, 0}));
    assertEquals(5, r.remaining() - 32 - 3 - 8);
    assertEquals(0xfe, r.u8("b"));
    assertEquals(0x01020304, r.u32("n", 0x01020304));
    assertEquals(0x8000000000000005L, r.i64("t"));
    assertEquals(Digest.of(new byte[32]), r.digest("d"));
    assertNull(r.optionalDigest("o"));
    assertTrue(r.bool("b1"));
    assertFalse(r.bool("b0"));
    assertEquals(0, r.remaining());
    r.finish();
    assertEquals(3 + 1 + 4 + 8 + 32 + 3, r.position());
  }

  @Test
  void limitsAreInclusive() {
    assertEquals(10, new BinaryFieldReader(u32(10)).rawU32("n", 10));
    MalformedEncodingException e = malformed(u32(11), r -> r.rawU32("n", 10));
    assertTrue(e.getMessage().contains("above the limit 10"), e.getMessage());
    malformed(u32(0x80000000L), r -> r.rawU32("n", Integer.MAX_VALUE));
    assertEquals(1, new BinaryFieldReader(new byte[] {1}).enumValue("e", List.of("a", "b")));
    malformed(new byte[] {2}, r -> r.enumValue("e", List.of("a", "b")));
    malformed(new byte[] {2}, r -> r.bool("b"));
    malformed(new byte[] {2}, r -> r.optionalDigest("d"));
    MalformedEncodingException p = malformed(cat(new byte[] {2}, new byte[32]), r -> r.optionalDigest("d"));
    assertTrue(p.getMessage().contains("presence byte"), p.getMessage());
    BinaryFieldReader s = new BinaryFieldReader(new byte[] {9, 8, 7, 6});
    assertEquals(0, s.skip(2, "s"));
    assertEquals(2, s.skip(1, "s"));
    assertEquals(Integer.valueOf(6), s.object("o", x -> x.u8("v")));
    s.finish();
    assertEquals(Digest.of(new byte[32]), new BinaryFieldReader(cat(new byte[] {1}, new byte[32])).optionalDigest("d"));
  }

  @Test
  void variableLengthReadsCheckTheLimitAndTheBytesLeft() {
    byte[] five = "hello".getBytes(StandardCharsets.UTF_8);
    assertEquals(ByteString.of(five), new BinaryFieldReader(cat(u32(5), five)).bytes("b", 5));
    assertEquals("hello", new BinaryFieldReader(cat(u32(5), five)).string("s", 5));
    malformed(cat(u32(5), five), r -> r.bytes("b", 4));
    malformed(cat(u32(5), five), r -> r.string("s", 4));
    truncated(cat(u32(6), five), r -> r.bytes("b", 100));
    truncated(cat(u32(6), five), r -> r.string("s", 100));
    truncated(u32(1), r -> r.bytes("b", 100));
    truncated(u32(1), r -> r.string("s", 100));
    truncated(new byte[2], r -> r.bytes("b", 100));
    truncated(new byte[2], r -> r.string("s", 100));
    MalformedEncodingException e = malformed(cat(u32(2), new byte[] {(byte) 0xc3, 0x28}), r -> r.string("s", 2));
    assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    // reads advance exactly past the value
    BinaryFieldReader r = window(cat(u32(2), new byte[] {'h', 'i'}, u32(1), new byte[] {9}, new byte[] {7}));
    assertEquals("hi", r.string("s", 2));
    assertEquals(ByteString.of(new byte[] {9}), r.bytes("b", 1));
    assertEquals(7, r.u8("last"));
    r.finish();
  }

  @Test
  void countsAreCheckedAgainstTheBytesLeftBeforeAllocating() {
    MalformedEncodingException e = malformed(cat(u32(2), new byte[63]), r -> r.digestList("d", 1000));
    assertTrue(e.getMessage().contains("announces 2 items"), e.getMessage());
    assertEquals(2, new BinaryFieldReader(cat(u32(2), new byte[64])).digestList("d", 2).size());
    malformed(cat(u32(3), new byte[96]), r -> r.digestList("d", 2));
    e = malformed(cat(u32(2), u32(0)), r -> r.bytesList("b", 1000, 10));
    assertTrue(e.getMessage().contains("announces 2 items"), e.getMessage());
    e = malformed(cat(u32(2), u32(0)), r -> r.stringList("s", 1000, 10));
    assertTrue(e.getMessage().contains("announces 2 items"), e.getMessage());
    e = malformed(cat(u32(2), u32(0)), r -> r.objectList("o", 1000, x -> x.u8("v")));
    assertTrue(e.getMessage().contains("announces 2 items"), e.getMessage());
    // a huge count with nothing behind it fails on the count, not on memory
    e = malformed(u32(0x7fffffffL), r -> r.digestList("d", Integer.MAX_VALUE));
    assertTrue(e.getMessage().contains("announces"), e.getMessage());
    assertEquals(List.of(ByteString.of(new byte[] {1}), ByteString.EMPTY),
        new BinaryFieldReader(cat(u32(2), u32(1), new byte[] {1}, u32(0))).bytesList("b", 2, 1));
    assertEquals(List.of("a", ""), new BinaryFieldReader(cat(u32(2), u32(1), new byte[] {'a'}, u32(0)))
        .stringList("s", 2, 1));
  }

  @Test
  void objectListItemsAreFramed() {
    byte[] ok = cat(u32(2), u32(1), new byte[] {5}, u32(1), new byte[] {6});
    assertEquals(List.of(5, 6), new BinaryFieldReader(ok).objectList("o", 2, r -> r.u8("v")));
    MalformedEncodingException e = malformed(cat(u32(1), u32(2), new byte[] {5, 6}), r -> r.objectList("o", 2,
        x -> x.u8("v")));
    assertTrue(e.getMessage().contains("1 unread bytes"), e.getMessage());
    // an item may not read past its own length into the next one
    truncated(cat(u32(2), u32(0), u32(1), new byte[] {6}), r -> r.objectList("o", 2, x -> x.u8("v")));
    // an item length beyond the bytes left is refused as truncated before the item is read
    truncated(cat(u32(1), u32(9), new byte[] {5, 6, 7, 8}), r -> r.objectList("o", 2, x -> x.u8("v")));
    // after a list the reader continues with the outer bytes
    BinaryFieldReader r = new BinaryFieldReader(cat(ok, new byte[] {42}));
    r.objectList("o", 2, x -> x.u8("v"));
    assertEquals(42, r.u8("after"));
    r.finish();
  }

  @Test
  void finishRefusesTrailingBytes() {
    BinaryFieldReader r = window(new byte[] {1, 2});
    r.u8("a");
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, r::finish);
    assertTrue(e.getMessage().contains("1 trailing bytes"), e.getMessage());
    r.u8("b");
    r.finish();
    assertThrows(MalformedEncodingException.class, () -> r.u8("c"));
    assertThrows(IndexOutOfBoundsException.class, () -> new BinaryFieldReader(new byte[2], 1, 2));
    byte[] arr = new byte[4];
    assertTrue(new BinaryFieldReader(arr).array() == arr);
  }

  @Test
  void decodeEnforcesTheOverallLimitAndFinishes() {
    assertEquals(Integer.valueOf(7), Codecs.decode(new byte[] {7}, 1, "x", r -> r.u8("v")));
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
        () -> Codecs.decode(new byte[] {7, 8}, 1, "x", r -> r.u8("v")));
    assertTrue(e.getMessage().contains("above the limit 1"), e.getMessage());
    e = assertThrows(MalformedEncodingException.class, () -> Codecs.decode(new byte[] {7, 8}, 2, "x", r -> r.u8("v")));
    assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    assertThrows(MalformedEncodingException.class, () -> Codecs.decode(null, 2, "x", r -> r.u8("v")));
    e = assertThrows(MalformedEncodingException.class, () -> Codecs.decode(new byte[] {7}, 2, "thing", r -> {
      throw new IllegalArgumentException("bad value");
    }));
    assertEquals("thing: bad value", e.getMessage());
  }
}

package io.medledger.merkle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.codec.MalformedEncodingException;
import org.junit.jupiter.api.Test;

/**
 * Bitcoin's compact-size and fixed-width fields at each boundary of their encodings (the ranges
 * are those of Bitcoin Core's {@code ReadCompactSize}, with {@code MAX_SIZE} = 0x02000000).
 */
class WireReaderTest {
  private static long compact(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) bytes[i];
    }
    WireReader r = new WireReader(b);
    long v = r.compactSize("n");
    r.expectEnd("n");
    return v;
  }

  private static String refusal(int... bytes) {
    return assertThrows(MalformedEncodingException.class, () -> compact(bytes)).getMessage();
  }

  @Test
  void eachCompactSizeWidthStartsWhereTheNarrowerEnds() {
    assertEquals(0, compact(0));
    assertEquals(0xfc, compact(0xfc));
    assertEquals(0xfd, compact(0xfd, 0xfd, 0));
    assertEquals(0xffff, compact(0xfd, 0xff, 0xff));
    assertEquals(0x10000, compact(0xfe, 0, 0, 1, 0));
    assertEquals(0x01020304, compact(0xfe, 4, 3, 2, 1));
    assertEquals("non-canonical compact size for n", refusal(0xfd, 0xfc, 0));
    assertEquals("non-canonical compact size for n", refusal(0xfe, 0xff, 0xff, 0, 0));
    assertEquals("non-canonical compact size for n", refusal(0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0));
  }

  @Test
  void compactSizesStopAtMaxSize() {
    assertEquals(WireReader.MAX_COMPACT_SIZE, compact(0xfe, 0, 0, 0, 2));
    assertEquals("n count too large: 33554433", refusal(0xfe, 1, 0, 0, 2));
    assertEquals("n count too large: 4294967296", refusal(0xff, 0, 0, 0, 0, 1, 0, 0, 0));
    // the top bit set is a huge unsigned count, not a negative one
    assertEquals("n count too large: 18446744073709551615", refusal(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
  }

  @Test
  void truncatedFieldsSayWhatWasMissing() {
    assertEquals("truncated n: need 1 bytes, 0 left", refusal());
    assertEquals("truncated n: need 2 bytes, 1 left", refusal(0xfd, 0xfd));
    assertEquals("truncated n: need 4 bytes, 3 left", refusal(0xfe, 0, 0, 1));
    assertEquals("truncated n: need 8 bytes, 7 left", refusal(0xff, 0, 0, 0, 0, 1, 0, 0));
    WireReader r = new WireReader(new byte[] {1, 2, 3});
    assertEquals("truncated count: need 4 bytes, 3 left",
        assertThrows(MalformedEncodingException.class, () -> r.uint32("count")).getMessage());
    assertEquals("truncated x: need -1 bytes, 3 left",
        assertThrows(MalformedEncodingException.class, () -> r.bytes(-1, "x")).getMessage());
    assertArrayEquals(new byte[] {1, 2, 3}, r.bytes(3, "x"));
    assertEquals(0, r.remaining());
    r.expectEnd("x");
  }

  @Test
  void uint32IsLittleEndianAndUnsigned() {
    WireReader r = new WireReader(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 4, 3, 2, 1, 9});
    assertEquals(0xffffffffL, r.uint32("a"));
    assertEquals(0x01020304L, r.uint32("b"));
    assertEquals(1, r.remaining());
    assertEquals("1 trailing bytes after c",
        assertThrows(MalformedEncodingException.class, () -> r.expectEnd("c")).getMessage());
  }
}

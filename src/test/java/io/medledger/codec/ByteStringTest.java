package io.medledger.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.junit.jupiter.api.Test;

/** Byte strings: copies in and out, content equality and order, and a short {@code toString}. */
class ByteStringTest {
  @Test
  void copiesInAndOut() {
    byte[] in = {1, 2, 3};
    ByteString b = ByteString.of(in);
    in[0] = 9;
    assertEquals(1, b.byteAt(0));
    byte[] out = b.toByteArray();
    out[1] = 9;
    assertEquals(2, b.byteAt(1));
    assertEquals(3, b.size());
    assertFalse(b.isEmpty());
    assertArrayEquals(new byte[] {1, 2, 3}, b.toByteArray());
  }

  @Test
  void emptyInputGivesTheSharedEmptyString() {
    assertSame(ByteString.EMPTY, ByteString.of(new byte[0]));
    assertSame(ByteString.EMPTY, ByteString.of(new byte[] {1, 2}, 1, 0));
    assertTrue(ByteString.EMPTY.isEmpty());
    assertEquals(0, ByteString.EMPTY.size());
  }

  @Test
  void aRangeIsCopiedAndChecked() {
    byte[] in = {1, 2, 3, 4};
    ByteString b = ByteString.of(in, 1, 2);
    in[1] = 9;
    assertArrayEquals(new byte[] {2, 3}, b.toByteArray());
    assertThrows(IndexOutOfBoundsException.class, () -> ByteString.of(in, 3, 2));
  }

  @Test
  void hexInAndOut() {
    assertEquals("00ff10", ByteString.of(new byte[] {0, (byte) 0xff, 0x10}).toHex());
    assertEquals(ByteString.of(new byte[] {0, (byte) 0xff}), ByteString.fromHex("00FF"));
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> ByteString.fromHex("0g"));
    assertTrue(e.getMessage().startsWith("bad hex: "), e.getMessage());
    assertThrows(MalformedEncodingException.class, () -> ByteString.fromHex("abc"));
  }

  @Test
  void copiesIntoAnArrayAndADigest() throws NoSuchAlgorithmException {
    ByteString b = ByteString.of(new byte[] {5, 6});
    byte[] dst = new byte[4];
    b.copyTo(dst, 1);
    assertArrayEquals(new byte[] {0, 5, 6, 0}, dst);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    b.updateDigest(md);
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(new byte[] {5, 6}), md.digest());
  }

  @Test
  void equalityAndHashFollowTheContents() {
    ByteString a = ByteString.of(new byte[] {1, 2});
    assertEquals(a, ByteString.of(new byte[] {1, 2}));
    assertEquals(a.hashCode(), ByteString.of(new byte[] {1, 2}).hashCode());
    assertEquals(java.util.Arrays.hashCode(new byte[] {1, 2}), a.hashCode());
    assertNotEquals(a, ByteString.of(new byte[] {1, 3}));
    assertNotEquals(a, ByteString.of(new byte[] {1, 2, 0}));
    assertNotEquals(a, "0102");
  }

  @Test
  void ordersUnsignedLexicographically() {
    ByteString low = ByteString.of(new byte[] {0x7f});
    ByteString high = ByteString.of(new byte[] {(byte) 0x80});
    assertTrue(low.compareTo(high) < 0);
    assertTrue(high.compareTo(low) > 0);
    assertTrue(ByteString.EMPTY.compareTo(low) < 0);
    assertEquals(0, low.compareTo(ByteString.of(new byte[] {0x7f})));
  }

  @Test
  void toStringShowsTheLengthAndAtMostEightBytes() {
    assertEquals("ByteString[2 bytes, 0102]", ByteString.of(new byte[] {1, 2}).toString());
    byte[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
    assertEquals("ByteString[8 bytes, 0102030405060708]", ByteString.of(eight).toString());
    byte[] nine = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    assertEquals("ByteString[9 bytes, 0102030405060708...]", ByteString.of(nine).toString());
    assertEquals("ByteString[0 bytes, ]", ByteString.EMPTY.toString());
  }
}

package io.medledger.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hex: lowercase out, either case in, every non-digit and odd length refused. */
class HexTest {
  private static final byte[] ALL_NIBBLES = {0x01, 0x23, 0x45, 0x67, (byte) 0x89, (byte) 0xab, (byte) 0xcd, (byte) 0xef,
      0x00, (byte) 0xff, 0x7f, (byte) 0x80};

  @Test
  void encodesEveryNibbleInLowercase() {
    assertEquals("0123456789abcdef00ff7f80", Hex.encode(ALL_NIBBLES));
    assertEquals("", Hex.encode(new byte[0]));
  }

  @Test
  void encodesARange() {
    assertEquals("4567", Hex.encode(ALL_NIBBLES, 2, 2));
    assertEquals("", Hex.encode(ALL_NIBBLES, 12, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> Hex.encode(ALL_NIBBLES, 11, 2));
  }

  @Test
  void decodesEitherCase() {
    assertArrayEquals(ALL_NIBBLES, Hex.decode("0123456789abcdef00ff7f80"));
    assertArrayEquals(ALL_NIBBLES, Hex.decode("0123456789ABCDEF00FF7F80"));
    assertArrayEquals(new byte[0], Hex.decode(""));
  }

  @Test
  void refusesOddLengthAndEveryCharacterNextToTheDigitRanges() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Hex.decode("abc"));
    assertTrue(e.getMessage().contains("odd length 3"), e.getMessage());
    // the characters just outside '0'-'9', 'a'-'f' and 'A'-'F', in either position of a byte
    for (char c : new char[] {'/', ':', '`', 'g', '@', 'G', ' ', 'x'}) {
      assertThrows(IllegalArgumentException.class, () -> Hex.decode("0" + c), "low " + c);
      e = assertThrows(IllegalArgumentException.class, () -> Hex.decode("00" + c + "0"), "high " + c);
      assertTrue(e.getMessage().contains("index 2"), e.getMessage());
    }
  }

  @Test
  void decodesAnExactLength() {
    assertArrayEquals(new byte[] {0x0a, 0x0b}, Hex.decode("0a0b", 2));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Hex.decode("0a0b", 3));
    assertEquals("expected 3 bytes of hex, got 4 characters", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Hex.decode("0a0b", 1));
  }
}

package io.medledger.internal.umbral;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.codec.Hex;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The DEM's and the AEAD's length bounds, exactly at each bound. HKDF known answers are RFC 5869
 * appendix A, test cases 1 and 3 (the latter with no salt and no info).
 */
class DemBoundsTest {
  private static byte[] bytes(int n, int first) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (first + i);
    }
    return b;
  }

  @Test
  void hkdfMatchesRfc5869AndTreatsNoSaltAsZeros() {
    byte[] ikm = new byte[22];
    Arrays.fill(ikm, (byte) 0x0b);
    assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        Hex.encode(Dem.hkdf(ikm, bytes(13, 0), bytes(10, 0xf0), 42)));
    String case3 = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8";
    assertEquals(case3, Hex.encode(Dem.hkdf(ikm, new byte[0], 42)));
    assertEquals(case3, Hex.encode(Dem.hkdf(ikm, null, new byte[0], 42)));
    assertEquals(case3, Hex.encode(Dem.hkdf(ikm, new byte[0], new byte[0], 42)));
    assertEquals(case3, Hex.encode(Dem.hkdf(ikm, new byte[32], new byte[0], 42)));
    // a prefix of a longer output: the blocks are chained, not recomputed per length
    assertArrayEquals(Arrays.copyOf(Hex.decode(case3), 31), Dem.hkdf(ikm, new byte[0], 31));
    assertArrayEquals(Arrays.copyOf(Hex.decode(case3), 33), Dem.hkdf(ikm, new byte[0], 33));
    // the DEM key is the 32-byte output with empty info
    assertArrayEquals(Arrays.copyOf(Hex.decode(case3), 32), Dem.key(ikm));
  }

  @Test
  void hkdfOutputIsZeroTo8160Bytes() {
    byte[] ikm = {1, 2, 3};
    assertEquals(0, Dem.hkdf(ikm, new byte[0], 0).length);
    byte[] max = Dem.hkdf(ikm, new byte[0], 255 * 32);
    assertEquals(8160, max.length);
    assertArrayEquals(Dem.hkdf(ikm, new byte[0], 100), Arrays.copyOf(max, 100));
    assertThrows(IllegalArgumentException.class, () -> Dem.hkdf(ikm, new byte[0], 255 * 32 + 1));
    assertThrows(IllegalArgumentException.class, () -> Dem.hkdf(ikm, new byte[0], -1));
  }

  @Test
  void aDemCiphertextOfExactlyANonceIsNotTooShort() {
    byte[] seed = CurvePoint.U.toBytes();
    assertEquals(Dem.Failure.AUTHENTICATION, Dem.decrypt(seed, new byte[0], new byte[24]).failure());
    assertEquals(Dem.Failure.TOO_SHORT, Dem.decrypt(seed, new byte[0], new byte[23]).failure());
    assertEquals(Dem.Failure.AUTHENTICATION, Dem.decrypt(seed, new byte[0], new byte[40]).failure());
    byte[] empty = Dem.encrypt(seed, new byte[0], new byte[0], out -> Arrays.fill(out, (byte) 7));
    assertEquals(Dem.OVERHEAD, empty.length);
    assertArrayEquals(bytes(0, 0), Dem.decrypt(seed, new byte[0], empty).plaintext());
    assertArrayEquals(Arrays.copyOf(new byte[] {7, 7, 7, 7, 7, 7, 7, 7}, 8), Arrays.copyOf(empty, 8));
  }

  @Test
  void theAeadNeedsAWholeTagAndExactKeyAndNonceLengths() {
    byte[] key = bytes(32, 0x80);
    byte[] nonce = bytes(24, 0x40);
    byte[] sealed = XChaCha20Poly1305.seal(key, nonce, new byte[0], new byte[0]);
    assertEquals(XChaCha20Poly1305.TAG_LENGTH, sealed.length);
    assertArrayEquals(new byte[0], XChaCha20Poly1305.open(key, nonce, new byte[0], sealed, 0, 16));
    assertNull(XChaCha20Poly1305.open(key, nonce, new byte[0], sealed, 1, 15));
    byte[] shifted = new byte[20];
    System.arraycopy(sealed, 0, shifted, 4, 16);
    assertArrayEquals(new byte[0], XChaCha20Poly1305.open(key, nonce, new byte[0], shifted, 4, 16));
    assertThrows(IllegalArgumentException.class, () -> XChaCha20Poly1305.seal(bytes(31, 0), nonce, new byte[0], new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> XChaCha20Poly1305.seal(bytes(33, 0), nonce, new byte[0], new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> XChaCha20Poly1305.seal(key, bytes(12, 0), new byte[0], new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> XChaCha20Poly1305.open(key, bytes(25, 0), new byte[0], sealed, 0, 16));
  }
}

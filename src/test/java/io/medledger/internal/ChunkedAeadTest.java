package io.medledger.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

class ChunkedAeadTest {
  private final byte[] key = new byte[32];
  private final byte[] ad = {1, 2, 3};
  private final Random rnd = new Random(1);

  private byte[] enc(byte[] p) throws Exception {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    assertEquals(p.length, ChunkedAead.encrypt(key, ad, new ByteArrayInputStream(p), o));
    return o.toByteArray();
  }

  private byte[] dec(byte[] c, byte[] aad) throws Exception {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ChunkedAead.decrypt(key, aad, new ByteArrayInputStream(c), o);
    return o.toByteArray();
  }

  @Test
  void roundTripsAtChunkBoundaries() throws Exception {
    int c = ChunkedAead.CHUNK;
    for (int len : new int[] {0, 1, c - 1, c, c + 1, 2 * c, 3 * c + 17}) {
      byte[] p = new byte[len];
      rnd.nextBytes(p);
      byte[] ct = enc(p);
      assertEquals(ChunkedAead.ciphertextLength(len), ct.length, "len " + len);
      assertArrayEquals(p, dec(ct, ad), "len " + len);
    }
  }

  @Test
  void truncationReorderingAndTamperingFail() throws Exception {
    int c = ChunkedAead.CHUNK;
    byte[] p = new byte[2 * c + 5];
    rnd.nextBytes(p);
    byte[] ct = enc(p);
    int sealed = c + ChunkedAead.TAG;
    // drop the last chunk: the new last chunk was not sealed as last
    assertThrows(AEADBadTagException.class, () -> dec(Arrays.copyOf(ct, 2 * sealed), ad));
    assertThrows(AEADBadTagException.class, () -> dec(Arrays.copyOf(ct, sealed), ad));
    assertThrows(AEADBadTagException.class, () -> dec(Arrays.copyOf(ct, ct.length - 1), ad));
    // swap the first two chunks
    byte[] swapped = ct.clone();
    System.arraycopy(ct, 0, swapped, sealed, sealed);
    System.arraycopy(ct, sealed, swapped, 0, sealed);
    assertThrows(AEADBadTagException.class, () -> dec(swapped, ad));
    byte[] flipped = ct.clone();
    flipped[c + 100] ^= 1;
    assertThrows(AEADBadTagException.class, () -> dec(flipped, ad));
    assertThrows(AEADBadTagException.class, () -> dec(ct, new byte[] {9}));
    assertThrows(AEADBadTagException.class, () -> dec(new byte[0], ad));
  }
}

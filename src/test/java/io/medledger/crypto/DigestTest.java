package io.medledger.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.Hex;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {
  @Test
  void sha256KnownAnswers() {
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        Sha256.hash(new byte[0]).toHex());
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Sha256.hash("abc".getBytes(StandardCharsets.US_ASCII)).toHex());
    // double SHA-256 of "hello"
    assertEquals("9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50",
        Sha256.doubleHash("hello".getBytes(StandardCharsets.US_ASCII)).toHex());
    byte[] abc = "xabcx".getBytes(StandardCharsets.US_ASCII);
    assertEquals(Sha256.hash("abc".getBytes(StandardCharsets.US_ASCII)), Sha256.hash(abc, 1, 3));
    assertEquals(Sha256.hash(new byte[] {1, 2, 3}), Sha256.hashPrefixed((byte) 1, new byte[] {2, 3}));
    assertEquals(Sha256.hash(new byte[] {1}, new byte[] {2, 3}), Sha256.newHasher().update((byte) 1).update(new byte[] {2, 3}).digest());
  }

  @Test
  void valueSemanticsAndImmutability() {
    byte[] raw = Hex.decode("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    Digest d = Digest.of(raw);
    raw[0] = 9;
    assertEquals((byte) 0, d.byteAt(0));
    byte[] out = d.toByteArray();
    out[1] = 9;
    assertEquals((byte) 0x11, d.byteAt(1));
    assertEquals(d, Digest.fromHex(d.toHex()));
    assertEquals(d.hashCode(), Digest.fromHex(d.toHex()).hashCode());
    assertEquals(d, d.reversed().reversed());
    assertNotEquals(d, d.reversed());
    assertTrue(d.equalsBytes(d.toByteArray()));
    assertArrayEquals(d.toByteArray(), Digest.of(d.toByteArray(), 0).toByteArray());
    assertThrows(IllegalArgumentException.class, () -> Digest.of(new byte[31]));
    assertThrows(IllegalArgumentException.class, () -> Digest.fromHex("zz"));
    assertTrue(Digest.fromHex("00".repeat(32)).compareTo(Digest.fromHex("ff".repeat(32))) < 0);
  }

  @Test
  void equalityLooksAtEveryBit() {
    byte[] raw = Sha256.hash(new byte[] {7}).toByteArray();
    Digest d = Digest.of(raw);
    assertEquals(d, Digest.of(raw));
    for (int i = 0; i < Digest.LENGTH * 8; i++) {
      byte[] flipped = raw.clone();
      flipped[i / 8] ^= (byte) (1 << (i % 8));
      assertNotEquals(d, Digest.of(flipped), "bit " + i);
      assertNotEquals(Digest.of(flipped), d, "bit " + i);
    }
    assertNotEquals(d, (Object) raw);
    assertNotEquals(d, null);
  }

  @Test
  void hexIsStrict() {
    assertEquals("00ff10", Hex.encode(new byte[] {0, -1, 16}));
    assertArrayEquals(new byte[] {0, -1, 16}, Hex.decode("00FF10"));
    assertThrows(IllegalArgumentException.class, () -> Hex.decode("abc"));
    assertThrows(IllegalArgumentException.class, () -> Hex.decode("0g"));
    assertThrows(IllegalArgumentException.class, () -> Hex.decode("00", 2));
  }
}

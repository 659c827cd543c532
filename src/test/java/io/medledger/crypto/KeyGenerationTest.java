package io.medledger.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.Hex;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** Key generation draws its seed from the entropy source; hashing helpers hash exactly what they say. */
class KeyGenerationTest {
  /** A SecureRandom that hands out a fixed byte pattern and counts the bytes asked for. */
  static final class CountingRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    int bytesRequested;
    final byte fill;

    CountingRandom(byte fill) {
      this.fill = fill;
    }

    @Override
    public void nextBytes(byte[] bytes) {
      bytesRequested += bytes.length;
      java.util.Arrays.fill(bytes, fill);
    }
  }

  @Test
  void twoGeneratedKeysDiffer() {
    Ed25519PrivateKey a = Ed25519PrivateKey.generate();
    Ed25519PrivateKey b = Ed25519PrivateKey.generate();
    assertNotEquals(a, b);
    assertNotEquals(a.publicKey(), b.publicKey());
    assertFalse(java.util.Arrays.equals(a.exportSecretBytes(), b.exportSecretBytes()));
    assertNotEquals(Ed25519PrivateKey.fromSeed(new byte[32]), a);
  }

  @Test
  void theSeedComesFromTheEntropySource() {
    CountingRandom r = new CountingRandom((byte) 0x42);
    Ed25519PrivateKey k = Ed25519PrivateKey.generate(r);
    assertEquals(32, r.bytesRequested);
    byte[] expected = new byte[32];
    java.util.Arrays.fill(expected, (byte) 0x42);
    assertArrayEquals(expected, k.exportSecretBytes());
    assertEquals(Ed25519PrivateKey.fromSeed(expected), k);
    assertEquals(Ed25519PrivateKey.fromSeed(expected).publicKey(), k.publicKey());
    assertNotEquals(Ed25519PrivateKey.generate(new CountingRandom((byte) 0x43)), k);
    // a generated key signs and verifies
    byte[] msg = "m".getBytes(StandardCharsets.US_ASCII);
    assertTrue(k.publicKey().verify(msg, k.sign(msg)));
  }

  @Test
  void theSecretIsCopiedNotShared() {
    byte[] seed = new byte[32];
    Ed25519PrivateKey k = Ed25519PrivateKey.fromSeed(seed);
    seed[0] = 1;
    assertArrayEquals(new byte[32], k.exportSecretBytes());
    k.exportSecretBytes()[0] = 9;
    assertArrayEquals(new byte[32], k.exportSecretBytes());
    assertEquals(k.publicKey().hashCode(), k.hashCode());
  }

  @Test
  void theThreadLocalDigestStartsCleanEvenAfterAnAbandonedUse() {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    Sha256.local().update(new byte[] {1, 2, 3});
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.hash(abc).toHex());
  }

  @Test
  void digestsCompareTheirBytes() {
    Digest d = Sha256.hash(new byte[] {7});
    assertTrue(d.equalsBytes(d.toByteArray()));
    assertFalse(d.equalsBytes(new byte[32]));
    assertFalse(d.equalsBytes(null));
    byte[] dst = new byte[34];
    d.copyTo(dst, 2);
    assertArrayEquals(d.toByteArray(), java.util.Arrays.copyOfRange(dst, 2, 34));
    assertEquals(d.toHex(), d.toString());
    // the hash code is the first four bytes, big-endian (documented for stable hashing)
    Digest h = Digest.fromHex("0102030405" + "00".repeat(27));
    assertEquals(0x01020304, h.hashCode());
    assertEquals(0xff000000, Digest.fromHex("ff" + "00".repeat(31)).hashCode());
    assertEquals(0x000000ff, Digest.fromHex("000000ff" + "00".repeat(28)).hashCode());
  }

  @Test
  void prefixedHashesHashThePrefixFirst() {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    // independently computed with Python hashlib: sha256(b"\x5a" + b"abc")
    assertEquals("716374297c9f6f6a02d6c91df1cf72d46216005a4ac69da5d63dc8c0563f47a3",
        Sha256.hashPrefixed((byte) 0x5a, abc).toHex());
    Digest v1 = Sha256.hash("v1".getBytes(StandardCharsets.US_ASCII));
    Digest v2 = Sha256.hash("v2".getBytes(StandardCharsets.US_ASCII));
    // sha256(b"\x5a" + sha256(b"v1") + sha256(b"v2"))
    assertEquals("ed0e858462d7f218ed026f7af7a323478096808c04e8be32da39ffdd3f11bced",
        Sha256.hashPrefixed((byte) 0x5a, v1, v2).toHex());
    assertEquals(Sha256.hash(new byte[] {0x5a}, abc), Sha256.hashPrefixed((byte) 0x5a, abc));
    assertEquals(Sha256.hash(abc, 1, 1), Sha256.hash("b".getBytes(StandardCharsets.US_ASCII)));
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.hash(abc).toHex());
    assertEquals(Sha256.hash(Sha256.hash(abc).toByteArray()), Sha256.doubleHash(abc));
    assertEquals(Sha256.hash(v1.toByteArray(), v2.toByteArray()).toByteArray().length, 32);
    assertEquals(Sha256.hash(Sha256.hash(v1.toByteArray(), v2.toByteArray()).toByteArray()), Sha256.doubleHash(v1, v2));
    assertEquals(Sha256.hash(new byte[] {1}, abc, v1.toByteArray()),
        Sha256.newHasher().update((byte) 1).update(abc).update(abc, 1, 0).update(v1).digest());
    assertEquals(Sha256.hash("bc".getBytes(StandardCharsets.US_ASCII)), Sha256.newHasher().update(abc, 1, 2).digest());
    assertEquals(Hex.encode(Sha256.hash(abc).toByteArray()), Sha256.hash(abc).toHex());
  }
}

package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class Bbs98Test {
  private final SecureRandom random = new SecureRandom();
  private final byte[] ad = "record-42".getBytes(StandardCharsets.UTF_8);

  @Test
  void ownerDecryptsAndDelegateeDecryptsAfterReEncryption() throws Exception {
    Bbs98PrivateKey alice = Bbs98PrivateKey.generate(random);
    Bbs98PrivateKey bob = Bbs98PrivateKey.generate(random);
    for (int len : new int[] {0, 1, 100, 10_000}) {
      byte[] msg = new byte[len];
      random.nextBytes(msg);
      Bbs98Ciphertext ct = Bbs98.encrypt(alice.publicKey(), msg, ad, random);
      assertArrayEquals(msg, Bbs98.decrypt(alice, ct, ad));
      Bbs98Ciphertext forBob = Bbs98.reEncrypt(Bbs98.reEncryptionKey(alice, bob), ct);
      assertArrayEquals(msg, Bbs98.decrypt(bob, forBob, ad));
      assertArrayEquals(msg, Bbs98.decrypt(bob, Bbs98Ciphertext.fromBytes(forBob.toBytes()), ad));
      assertEquals(forBob, Bbs98Ciphertext.fromBytes(forBob.toBytes()), "a ciphertext read back equals itself");
      assertEquals(forBob.hashCode(), Bbs98Ciphertext.fromBytes(forBob.toBytes()).hashCode());
      assertNotEquals(ct, forBob);
      assertThrows(Bbs98DecryptionException.class, () -> Bbs98.decrypt(bob, ct, ad));
      assertThrows(Bbs98DecryptionException.class, () -> Bbs98.decrypt(alice, forBob, ad));
      assertThrows(Bbs98DecryptionException.class, () -> Bbs98.decrypt(alice, ct, new byte[] {1}));
    }
  }

  @Test
  void tamperingIsDetected() {
    Bbs98PrivateKey alice = Bbs98PrivateKey.generate(random);
    byte[] enc = Bbs98.encrypt(alice.publicKey(), new byte[40], ad, random).toBytes();
    for (int i = 0; i < enc.length; i++) {
      byte[] t = enc.clone();
      t[i] ^= 0x01;
      boolean rejected;
      try {
        Bbs98.decrypt(alice, Bbs98Ciphertext.fromBytes(t), ad);
        rejected = false;
      } catch (MalformedEncodingException | Bbs98DecryptionException e) {
        rejected = true;
      }
      assertTrue(rejected, "byte " + i);
    }
    assertThrows(MalformedEncodingException.class, () -> Bbs98Ciphertext.fromBytes(new byte[20]));
  }

  /** The documented weaknesses hold: bidirectional, and proxy + delegatee recover the delegator's key. */
  @Test
  void documentedLimitsAreReal() throws Exception {
    Bbs98PrivateKey alice = Bbs98PrivateKey.generate(random);
    Bbs98PrivateKey bob = Bbs98PrivateKey.generate(random);
    Bbs98ReEncryptionKey rk = Bbs98.reEncryptionKey(alice, bob);
    byte[] msg = "bob's secret".getBytes(StandardCharsets.UTF_8);
    Bbs98Ciphertext forBob = Bbs98.encrypt(bob.publicKey(), msg, ad, random);
    assertArrayEquals(msg, Bbs98.decrypt(alice, Bbs98.reEncrypt(rk.inverse(), forBob), ad));

    BigInteger b = new BigInteger(1, bob.exportSecretBytes());
    BigInteger r = new BigInteger(1, rk.exportSecretBytes());
    BigInteger a = b.multiply(r.modInverse(Bbs98.N)).mod(Bbs98.N);
    assertArrayEquals(alice.exportSecretBytes(), Bbs98ReEncryptionKey.toFixed32(a));
  }

  @Test
  void keysValidateAndRedact() {
    Bbs98PrivateKey k = Bbs98PrivateKey.generate(random);
    assertEquals(k.publicKey(), Bbs98PublicKey.fromBytes(k.publicKey().toBytes()));
    assertArrayEquals(k.exportSecretBytes(), Bbs98PrivateKey.fromSecretBytes(k.exportSecretBytes()).exportSecretBytes());
    assertFalse(k.toString().contains(Hex.encode(k.exportSecretBytes())));
    assertThrows(MalformedEncodingException.class, () -> Bbs98PrivateKey.fromSecretBytes(new byte[32]));
    assertThrows(MalformedEncodingException.class,
        () -> Bbs98PrivateKey.fromSecretBytes(Hex.decode("ff".repeat(32))));
    byte[] offCurve = new byte[33];
    offCurve[0] = 2;
    offCurve[32] = 7; // x = 7: x^3 + 7 = 350 is not a square mod p
    assertThrows(MalformedEncodingException.class, () -> Bbs98PublicKey.fromBytes(offCurve));
    assertThrows(MalformedEncodingException.class, () -> Bbs98PublicKey.fromBytes(new byte[33]));
    byte[] uncompressed = new byte[65];
    uncompressed[0] = 4;
    assertThrows(MalformedEncodingException.class, () -> Bbs98PublicKey.fromBytes(uncompressed));
  }
}

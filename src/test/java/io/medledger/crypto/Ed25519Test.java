package io.medledger.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.testing.SharedVectors;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class Ed25519Test {

  @Test
  void everyWycheproofCaseGivesItsExpectedVerdict() {
    JsonNode root = SharedVectors.json("vectors/crypto/wycheproof/ed25519_test.json");
    int valid = 0;
    int invalid = 0;
    for (JsonNode group : root.get("testGroups")) {
      byte[] pk = Hex.decode(group.get("publicKey").get("pk").asText());
      for (JsonNode t : group.get("tests")) {
        byte[] msg = Hex.decode(t.get("msg").asText());
        byte[] sig = Hex.decode(t.get("sig").asText());
        String result = t.get("result").asText();
        boolean ok = Ed25519Signatures.verify(pk, msg, sig);
        String id = "tcId " + t.get("tcId").asInt() + " (" + t.get("comment").asText() + ")";
        if (result.equals("valid")) {
          assertTrue(ok, id);
          assertTrue(Ed25519PublicKey.fromBytes(pk).verify(msg, sig), id);
          valid++;
        } else {
          assertEquals("invalid", result, id);
          assertFalse(ok, id);
          invalid++;
        }
      }
    }
    assertEquals(151, valid + invalid);
    assertEquals(88, valid);
  }

  @Test
  void rfc8032SigningVectorsReproduce() {
    JsonNode root = SharedVectors.json("vectors/crypto/rfc8032/rfc8032_ed25519.json");
    JsonNode cases = root.get("tests");
    int n = 0;
    for (JsonNode c : cases) {
      byte[] sk = Hex.decode(c.get("secretKey").asText());
      byte[] pk = Hex.decode(c.get("publicKey").asText());
      byte[] msg = Hex.decode(c.get("msg").asText());
      byte[] sig = Hex.decode(c.get("sig").asText());
      Ed25519PrivateKey key = Ed25519PrivateKey.fromSeed(sk);
      assertArrayEquals(pk, key.publicKey().toBytes());
      assertArrayEquals(sig, key.sign(msg));
      assertTrue(key.publicKey().verify(msg, sig));
      n++;
    }
    assertTrue(n >= 4, "expected the RFC 8032 test cases, read " + n);
  }

  @Test
  void malformedInputReturnsFalseOrDocumentedException() {
    Ed25519PrivateKey key = Ed25519PrivateKey.generate(new SecureRandom());
    byte[] msg = "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] sig = key.sign(msg);
    byte[] pk = key.publicKey().toBytes();
    assertTrue(Ed25519Signatures.verify(pk, msg, sig));
    assertFalse(Ed25519Signatures.verify(new byte[31], msg, sig));
    assertFalse(Ed25519Signatures.verify(pk, msg, new byte[63]));
    assertFalse(Ed25519Signatures.verify(pk, msg, null));
    assertFalse(Ed25519Signatures.verify(null, msg, sig));
    byte[] bad = new byte[32];
    java.util.Arrays.fill(bad, (byte) 0xff); // y >= p: non-canonical
    assertFalse(Ed25519Signatures.verify(bad, msg, sig));
    assertThrows(MalformedEncodingException.class, () -> Ed25519PublicKey.fromBytes(bad));
    assertThrows(MalformedEncodingException.class, () -> Ed25519PublicKey.fromBytes(new byte[33]));
    assertThrows(MalformedEncodingException.class, () -> Ed25519PrivateKey.fromSeed(new byte[31]));
    for (int bit = 0; bit < 512; bit++) {
      byte[] s = sig.clone();
      s[bit / 8] ^= (byte) (1 << (bit % 8));
      assertFalse(key.publicKey().verify(msg, s), "bit " + bit);
    }
  }

  @Test
  void smallOrderAndNonCanonicalKeysAreRefusedMixedOrderKeysAccepted() {
    // the identity (y = 1) and the point of order 2 (y = -1) are of small order
    assertThrows(MalformedEncodingException.class, () -> Ed25519PublicKey.fromHex(
        "0100000000000000000000000000000000000000000000000000000000000000"));
    assertThrows(MalformedEncodingException.class, () -> Ed25519PublicKey.fromHex(
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));
    // y = p: the identity again, non-canonically encoded
    assertThrows(MalformedEncodingException.class, () -> Ed25519PublicKey.fromHex(
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));
    // the base point, and the base point plus the point of order 2 (-x, -y): accepted by design
    // (no prime-order-subgroup check; see the class documentation)
    Ed25519PublicKey.fromHex("5866666666666666666666666666666666666666666666666666666666666666");
    Ed25519PublicKey.fromHex("9599999999999999999999999999999999999999999999999999999999999999");
  }

  @Test
  void keyValidationMatchesBouncyCastlesOnRandomAndSmallOrderEncodings() {
    SecureRandom rng = new SecureRandom();
    java.util.List<byte[]> cases = new java.util.ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      byte[] b = new byte[32];
      rng.nextBytes(b);
      cases.add(b);
    }
    // the eight small-order points, each with both sign bits, and y = p + small (non-canonical)
    for (String h : new String[] {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"}) {
      byte[] b = Hex.decode(h);
      cases.add(b);
      byte[] flipped = b.clone();
      flipped[31] ^= (byte) 0x80;
      cases.add(flipped);
    }
    int accepted = 0;
    for (byte[] b : cases) {
      boolean bc = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartial(b, 0);
      boolean ours;
      try {
        Ed25519PublicKey.fromBytes(b);
        ours = true;
      } catch (MalformedEncodingException e) {
        ours = false;
      }
      assertEquals(bc, ours, Hex.encode(b));
      accepted += ours ? 1 : 0;
    }
    assertTrue(accepted > 1000 && accepted < 2000, "about half of random strings are points: " + accepted);
  }

  @Test
  void secretsNeverAppearInToString() {
    byte[] seed = new byte[32];
    seed[0] = 0x42;
    seed[31] = 0x17;
    Ed25519PrivateKey key = Ed25519PrivateKey.fromSeed(seed);
    String s = key.toString();
    assertFalse(s.contains(Hex.encode(seed)));
    assertTrue(s.contains("redacted"));
    assertArrayEquals(seed, key.exportSecretBytes());
    assertEquals(key.publicKey(), Ed25519PublicKey.fromHex(key.publicKey().toHex()));
  }
}

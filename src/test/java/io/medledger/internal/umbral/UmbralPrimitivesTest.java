package io.medledger.internal.umbral;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.testing.SharedVectors;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** The building blocks against independent published vectors. */
class UmbralPrimitivesTest {

  private static byte[] hex(JsonNode n, String field) {
    return Hex.decode(n.get(field).asText());
  }

  @Test
  void hchacha20MatchesTheXChaChaDraft() {
    byte[] key = new byte[32];
    for (int i = 0; i < 32; i++) {
      key[i] = (byte) i;
    }
    byte[] input = Hex.decode("000000090000004a0000000031415927");
    assertEquals("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
        Hex.encode(HChaCha20.subkey(key, input, 0)));
  }

  @Test
  void xchacha20Poly1305MatchesWycheproof() {
    JsonNode root = SharedVectors.json("vectors/crypto/wycheproof/xchacha20_poly1305_test.json");
    int valid = 0;
    int invalid = 0;
    for (JsonNode group : root.get("testGroups")) {
      for (JsonNode t : group.get("tests")) {
        byte[] key = hex(t, "key");
        byte[] iv = hex(t, "iv");
        byte[] aad = hex(t, "aad");
        byte[] msg = hex(t, "msg");
        byte[] sealed = concat(hex(t, "ct"), hex(t, "tag"));
        String id = "tcId " + t.get("tcId").asInt();
        if (t.get("result").asText().equals("valid")) {
          assertArrayEquals(sealed, XChaCha20Poly1305.seal(key, iv, aad, msg), id);
          assertArrayEquals(msg, XChaCha20Poly1305.open(key, iv, aad, sealed, 0, sealed.length), id);
          valid++;
        } else {
          boolean rejected;
          try {
            rejected = XChaCha20Poly1305.open(key, iv, aad, sealed, 0, sealed.length) == null;
          } catch (IllegalArgumentException e) {
            rejected = true;
          }
          assertTrue(rejected, id);
          invalid++;
        }
      }
    }
    assertTrue(valid > 200 && invalid > 50, valid + " valid, " + invalid + " invalid");
  }

  @Test
  void hkdfMatchesWycheproof() {
    JsonNode root = SharedVectors.json("vectors/crypto/wycheproof/hkdf_sha256_test.json");
    int n = 0;
    for (JsonNode group : root.get("testGroups")) {
      for (JsonNode t : group.get("tests")) {
        int size = t.get("size").asInt();
        String id = "tcId " + t.get("tcId").asInt();
        if (t.get("result").asText().equals("valid")) {
          assertArrayEquals(hex(t, "okm"), Dem.hkdf(hex(t, "ikm"), hex(t, "salt"), hex(t, "info"), size), id);
          n++;
        } else {
          assertThrows(RuntimeException.class, () -> Dem.hkdf(hex(t, "ikm"), hex(t, "salt"), hex(t, "info"), size), id);
        }
      }
    }
    assertEquals(83, n);
  }

  @Test
  void ecdsaVerificationMatchesWycheproofP1363() {
    JsonNode root = SharedVectors.json("vectors/crypto/wycheproof/ecdsa_secp256k1_sha256_p1363_test.json");
    int checked = 0;
    for (JsonNode group : root.get("testGroups")) {
      byte[] uncompressed = hex(group.get("publicKey"), "uncompressed");
      ECPoint q = Secp256k1.CURVE.decodePoint(uncompressed);
      for (JsonNode t : group.get("tests")) {
        byte[] sig = hex(t, "sig");
        byte[] digest = io.medledger.crypto.Sha256.hash(hex(t, "msg")).toByteArray();
        boolean ok = false;
        if (sig.length == 64) {
          BigInteger r = new BigInteger(1, Arrays.copyOf(sig, 32));
          BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
          boolean inRange = r.signum() > 0 && r.compareTo(Secp256k1.N) < 0 && s.signum() > 0
              && s.compareTo(Secp256k1.N) < 0;
          ok = inRange && Ecdsa.verify(q, digest, r, s);
        }
        assertEquals(t.get("result").asText().equals("valid"), ok, "tcId " + t.get("tcId").asInt());
        checked++;
      }
    }
    assertEquals(252, checked);
  }

  @Test
  void signingIsRfc6979WithLowS() {
    JsonNode root = SharedVectors.json("vectors/crypto/rfc6979/rfc6979_secp256k1_sha256.json");
    for (JsonNode v : root.get("vectors")) {
      CurveScalar d = CurveScalar.nonZeroFromBytes(hex(v, "d"));
      byte[] sig = Ecdsa.sign(d, hex(v, "h1"), new byte[0]);
      assertEquals(v.get("r").asText() + v.get("sLow").asText(), Hex.encode(sig), "vector " + v.get("id"));
    }
  }

  @Test
  void additionalDataFollowsRfc6979Section3_6() {
    JsonNode root = SharedVectors.json("vectors/crypto/rfc6979/source/tiny-secp256k1_tests_fixtures_ecdsa.json");
    String[][] extras = {
        {"extraEntropy0", "0000000000000000000000000000000000000000000000000000000000000000"},
        {"extraEntropy1", "0000000000000000000000000000000000000000000000000000000000000001"},
        {"extraEntropyRand", "6e723d3fd94ed5d2b6bdd4f123364b0f3ca52af829988a63f8afe91d29db1c33"},
        {"extraEntropyN", "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"},
        {"extraEntropyMax", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}};
    int n = 0;
    for (JsonNode v : root.get("extraEntropy")) {
      CurveScalar d = CurveScalar.nonZeroFromBytes(hex(v, "d"));
      assertEquals(v.get("signature").asText(), Hex.encode(Ecdsa.sign(d, hex(v, "m"), new byte[0])));
      for (String[] e : extras) {
        assertEquals(v.get(e[0]).asText(), Hex.encode(Ecdsa.sign(d, hex(v, "m"), Hex.decode(e[1]))), e[0]);
        n++;
      }
    }
    assertEquals(25, n);
    int valid = 0;
    for (JsonNode v : root.get("valid")) {
      CurveScalar d = CurveScalar.nonZeroFromBytes(hex(v, "d"));
      assertEquals(v.get("signature").asText(), Hex.encode(Ecdsa.sign(d, hex(v, "m"), new byte[0])));
      valid++;
    }
    assertTrue(valid > 2000);
  }

  @Test
  void hashToScalarIsLengthPrefixedAndReducedModNMinusOnePlusOne() {
    // SHA-256(00 00 00 03 ‖ "abc") read as an integer w; expected (w mod (n-1)) + 1.
    byte[] digest = io.medledger.crypto.Sha256.hash(new byte[] {0, 0, 0, 3, 'a', 'b', 'c'}).toByteArray();
    BigInteger w = new BigInteger(1, digest);
    BigInteger expected = w.mod(Secp256k1.N.subtract(BigInteger.ONE)).add(BigInteger.ONE);
    assertEquals(expected, CurveScalar.hash("abc").toBigInteger());
    // The tag is length-prefixed, so moving bytes between tag and input changes the result.
    byte[] c = {'c'};
    assertFalse(CurveScalar.hash("ab", c).equals(CurveScalar.hash("a", new byte[] {'b', 'c'})));
    assertEquals(CurveScalar.hash("ab", c), CurveScalar.hash("ab", new byte[0], c));
  }

  @Test
  void pointsAndScalarsRejectNonCanonicalInput() {
    byte[] u = CurvePoint.U.toBytes();
    assertEquals(Secp256k1.U_HEX, Hex.encode(u));
    assertEquals(CurvePoint.U, CurvePoint.fromBytes(u));
    byte[] uncompressed = Secp256k1.U.getEncoded(false);
    assertThrows(MalformedEncodingException.class, () -> CurvePoint.fromBytes(uncompressed));
    assertThrows(MalformedEncodingException.class, () -> CurvePoint.fromBytes(new byte[] {0}));
    byte[] hybrid = u.clone();
    hybrid[0] = 0x05;
    assertThrows(MalformedEncodingException.class, () -> CurvePoint.fromBytes(hybrid));
    byte[] notOnCurve = new byte[33];
    notOnCurve[0] = 2;
    assertThrows(MalformedEncodingException.class, () -> CurvePoint.fromBytes(notOnCurve));
    byte[] xTooBig = Hex.decode("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30");
    assertThrows(MalformedEncodingException.class, () -> CurvePoint.fromBytes(xTooBig));
    assertThrows(CurvePoint.IdentityPointException.class, () -> CurvePoint.of(Secp256k1.CURVE.getInfinity()));
    byte[] n = Secp256k1.N.toByteArray();
    byte[] nBytes = Arrays.copyOfRange(n, n.length - 32, n.length);
    assertThrows(MalformedEncodingException.class, () -> CurveScalar.fromBytes(nBytes, 0));
    assertThrows(MalformedEncodingException.class, () -> CurveScalar.nonZeroFromBytes(new byte[32]));
    assertThrows(MalformedEncodingException.class, () -> CurveScalar.nonZeroFromBytes(new byte[31]));
    assertTrue(CurveScalar.fromBytes(new byte[32], 0).isZero());
    assertFalse(CurveScalar.ONE.toString().contains("1"));
  }

  @Test
  void randomScalarsRejectZeroAndValuesAboveTheOrder() {
    byte[] n = Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    byte[] seven = new byte[32];
    seven[31] = 7;
    ReplayEntropy replay = new ReplayEntropy(java.util.List.of(new byte[32], n, seven));
    assertEquals(BigInteger.valueOf(7), CurveScalar.randomNonZero(replay).toBigInteger());
    assertTrue(replay.exhausted());
  }

  @Test
  void demRejectsShortAndTamperedCiphertexts() {
    byte[] seed = CurvePoint.U.toBytes();
    byte[] aad = {1, 2, 3};
    byte[] ct = Dem.encrypt(seed, aad, "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        io.medledger.pre.EntropySource.secure());
    assertEquals(5 + Dem.OVERHEAD, ct.length);
    assertEquals("hello", new String(Dem.decrypt(seed, aad, ct).plaintext(), java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(Dem.Failure.TOO_SHORT, Dem.decrypt(seed, aad, Arrays.copyOf(ct, 23)).failure());
    assertEquals(Dem.Failure.AUTHENTICATION, Dem.decrypt(seed, aad, Arrays.copyOf(ct, 39)).failure());
    assertEquals(Dem.Failure.AUTHENTICATION, Dem.decrypt(seed, new byte[] {1, 2}, ct).failure());
    for (int i = 0; i < ct.length; i++) {
      byte[] bad = ct.clone();
      bad[i] ^= 0x40;
      assertNull(Dem.decrypt(seed, aad, bad).plaintext(), "byte " + i);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

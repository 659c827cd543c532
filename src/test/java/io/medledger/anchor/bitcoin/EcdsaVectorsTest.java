package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.bitcoin.Rfc6979KCalculator;
import io.medledger.internal.bitcoin.BitcoinCrypto;
import io.medledger.testing.SharedVectors;
import java.math.BigInteger;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.junit.jupiter.api.Test;

/** ECDSA on secp256k1 against Wycheproof (plain and Bitcoin flavours) and RFC 6979 vectors. */
class EcdsaVectorsTest {

  /** Runs every case of a Wycheproof file; returns how many there were. */
  private static int runWycheproof(String file, boolean requireLowS) {
    JsonNode root = SharedVectors.json("vectors/crypto/wycheproof/" + file);
    int n = 0;
    int valid = 0;
    for (JsonNode group : root.get("testGroups")) {
      BitcoinPublicKey pub = BitcoinPublicKey.fromBytes(Hex.decode(group.get("publicKey").get("uncompressed").asText()));
      for (JsonNode t : group.get("tests")) {
        n++;
        String result = t.get("result").asText();
        boolean expected = result.equals("valid");
        assertTrue(expected || result.equals("invalid"), "no 'acceptable' cases expected: tcId " + t.get("tcId"));
        Digest h = Sha256.hash(Hex.decode(t.get("msg").asText()));
        boolean got;
        try {
          EcdsaSignature sig = EcdsaSignature.fromDer(Hex.decode(t.get("sig").asText()));
          got = pub.verifyEcdsa(h, sig, requireLowS);
          // Strict DER: what decodes re-encodes to the same bytes.
          assertEquals(t.get("sig").asText(), Hex.encode(sig.toDer()), "DER round trip, tcId " + t.get("tcId"));
        } catch (MalformedEncodingException e) {
          got = false;
        }
        assertEquals(expected, got, file + " tcId " + t.get("tcId") + " (" + t.get("comment").asText() + ")");
        valid += got ? 1 : 0;
      }
    }
    assertEquals(root.get("numberOfTests").asInt(), n, "every case of " + file + " ran");
    assertTrue(valid > 100, "valid cases were exercised");
    return n;
  }

  @Test
  void wycheproofDer() {
    assertEquals(476, runWycheproof("ecdsa_secp256k1_sha256_test.json", false));
  }

  @Test
  void wycheproofBitcoinRequiresLowS() {
    assertEquals(463, runWycheproof("ecdsa_secp256k1_sha256_bitcoin_test.json", true));
  }

  @Test
  void rfc6979NoncesAndSignaturesExactly() {
    JsonNode root = SharedVectors.json("vectors/crypto/rfc6979/rfc6979_secp256k1_sha256.json");
    int n = 0;
    for (JsonNode v : root.get("vectors")) {
      BigInteger d = new BigInteger(v.get("d").asText(), 16);
      byte[] h1 = Hex.decode(v.get("h1").asText());
      assertEquals(v.get("h1").asText(), Sha256.hash(Hex.decode(v.get("msg").asText())).toHex());
      assertEquals(new BigInteger(v.get("k").asText(), 16), BitcoinCrypto.rfc6979(d, h1).nextK(), "k of vector " + v.get("id"));
      // BouncyCastle's calculator agrees on the first candidate (the only one reached in practice).
      HMacDSAKCalculator bc = new HMacDSAKCalculator(new SHA256Digest());
      bc.init(BitcoinCrypto.N, d, h1);
      assertEquals(new BigInteger(v.get("k").asText(), 16), bc.nextK());
      BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(Hex.decode(v.get("d").asText()), Network.MAINNET, true);
      EcdsaSignature sig = key.signEcdsa(Digest.of(h1));
      assertEquals(new BigInteger(v.get("r").asText(), 16), sig.r());
      assertEquals(new BigInteger(v.get("sLow").asText(), 16), sig.s());
      assertTrue(sig.isLowS());
      assertEquals(v.get("derLowS").asText(), Hex.encode(sig.toDer()));
      byte[] pub = key.publicKey().withCompression(false).toBytes();
      assertEquals("04" + v.get("qx").asText() + v.get("qy").asText(), Hex.encode(pub));
      assertTrue(key.publicKey().verifyEcdsa(Digest.of(h1), sig, true));
      // The raw RFC 6979 s (possibly high) verifies too, but not under the low-S rule if high.
      EcdsaSignature raw = new EcdsaSignature(sig.r(), new BigInteger(v.get("s").asText(), 16));
      assertTrue(key.publicKey().verifyEcdsa(Digest.of(h1), raw, false));
      assertEquals(raw.isLowS(), key.publicKey().verifyEcdsa(Digest.of(h1), raw, true));
      n++;
    }
    assertEquals(14, n);
    int m = 0;
    for (JsonNode v : root.get("retryVectors")) {
      Rfc6979KCalculator k = BitcoinCrypto.rfc6979(new BigInteger(v.get("d").asText(), 16), Hex.decode(v.get("h1").asText()));
      BigInteger k0 = k.nextK();
      BigInteger k1 = k.nextK();
      BigInteger k15 = null;
      for (int i = 2; i <= 15; i++) {
        k15 = k.nextK();
      }
      assertEquals(new BigInteger(v.get("k0").asText(), 16), k0);
      assertEquals(new BigInteger(v.get("k1").asText(), 16), k1);
      assertEquals(new BigInteger(v.get("k15").asText(), 16), k15);
      m++;
    }
    assertEquals(10, m);
  }

  @Test
  void strictDerRejectsBip66Violations() {
    byte[] good = Hex.decode("3044022033a69cd2065432a30f3d1ce4eb0d59b8ab58c74f27c41a7fdb5696ad4e6108c902206f807982866f785d3f6418d24163ddae117b7db4d5fdf0071de069fa54342262");
    EcdsaSignature sig = EcdsaSignature.fromDer(good);
    assertArrayEquals(good, sig.toDer());
    byte[] longLen = good.clone();
    longLen[1] = 0x45;
    assertThrows(MalformedEncodingException.class, () -> EcdsaSignature.fromDer(longLen));
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    assertThrows(MalformedEncodingException.class, () -> EcdsaSignature.fromDer(trailing));
    byte[] notSeq = good.clone();
    notSeq[0] = 0x31;
    assertThrows(MalformedEncodingException.class, () -> EcdsaSignature.fromDer(notSeq));
    // r padded with an unnecessary zero byte
    byte[] padded = Hex.decode("3045022100" + "33a69cd2065432a30f3d1ce4eb0d59b8ab58c74f27c41a7fdb5696ad4e6108c9"
        + "02206f807982866f785d3f6418d24163ddae117b7db4d5fdf0071de069fa54342262");
    assertThrows(MalformedEncodingException.class, () -> EcdsaSignature.fromDer(padded));
    // negative r
    byte[] negative = Hex.decode("30440220" + "b3a69cd2065432a30f3d1ce4eb0d59b8ab58c74f27c41a7fdb5696ad4e6108c9"
        + "02206f807982866f785d3f6418d24163ddae117b7db4d5fdf0071de069fa54342262");
    assertThrows(MalformedEncodingException.class, () -> EcdsaSignature.fromDer(negative));
    EcdsaSignature high = new EcdsaSignature(sig.r(), BitcoinCrypto.N.subtract(sig.s()));
    assertFalse(high.isLowS());
    assertEquals(sig, high.normalizeLowS());
  }

  @Test
  void privateKeyNeverShowsItsSecret() {
    BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(
        Hex.decode("0000000000000000000000000000000000000000000000000000000000000001"), Network.MAINNET, true);
    String s = key.toString();
    assertTrue(s.contains("redacted"));
    assertFalse(s.contains(new String(key.exportSecretWif())));
    assertFalse(s.contains(Hex.encode(key.exportSecretBytes())));
    assertThrows(MalformedEncodingException.class,
        () -> BitcoinPrivateKey.fromSecretBytes(new byte[32], Network.MAINNET, true));
    assertThrows(MalformedEncodingException.class,
        () -> BitcoinPrivateKey.fromSecretBytes(BitcoinCrypto.to32(BitcoinCrypto.N), Network.MAINNET, true));
  }

  /** Destroying a key wipes it: exporting and signing fail from then on, and toString says so. */
  @Test
  void aDestroyedKeyNeitherSignsNorExports() {
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.TESTNET, new java.security.SecureRandom());
    char[] wif = key.exportSecretWif();
    BitcoinPrivateKey copy = BitcoinPrivateKey.fromWif(wif);
    assertEquals(key, copy);
    java.util.Arrays.fill(wif, '\0');
    Digest h = Digest.of(new byte[32]);
    assertTrue(key.publicKey().verifyEcdsa(h, key.signEcdsa(h), true));
    key.destroy();
    assertTrue(key.isDestroyed());
    assertThrows(IllegalStateException.class, key::exportSecretBytes);
    assertThrows(IllegalStateException.class, key::exportSecretWif);
    assertThrows(IllegalStateException.class, () -> key.signEcdsa(h));
    assertThrows(IllegalStateException.class, () -> key.signSchnorr(new byte[32], new byte[32]));
    assertTrue(key.toString().contains("destroyed"));
    assertFalse(copy.isDestroyed(), "another key of the same secret is not touched");
    assertTrue(copy.publicKey().verifyEcdsa(h, copy.signEcdsa(h), true));
  }
}

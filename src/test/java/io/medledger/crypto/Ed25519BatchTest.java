package io.medledger.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.testing.SharedVectors;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Batch verification against one-at-a-time verification, with an independent BigInteger model of
 * Edwards25519 (affine formulas of RFC 8032, section 5.1) to build signatures with small-order
 * components, which the cofactored equation accepts.
 */
class Ed25519BatchTest {
  private static final SecureRandom RNG = new SecureRandom();

  // ------------------------------------------------------------------ an independent model

  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  private static final BigInteger L = BigInteger.TWO.pow(252)
      .add(new BigInteger("27742317777372353535851937790883648493"));
  private static final BigInteger D = BigInteger.valueOf(-121665)
      .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
  private static final BigInteger SQRT_M1 = BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);

  record Pt(BigInteger x, BigInteger y) {}

  private static final Pt ID = new Pt(BigInteger.ZERO, BigInteger.ONE);

  private static Pt add(Pt a, Pt b) {
    BigInteger t = D.multiply(a.x).multiply(b.x).multiply(a.y).multiply(b.y).mod(P);
    BigInteger x = a.x.multiply(b.y).add(a.y.multiply(b.x)).multiply(BigInteger.ONE.add(t).modInverse(P)).mod(P);
    BigInteger y = a.y.multiply(b.y).add(a.x.multiply(b.x)).multiply(BigInteger.ONE.subtract(t).mod(P).modInverse(P)).mod(P);
    return new Pt(x, y);
  }

  private static Pt mul(BigInteger k, Pt p) {
    Pt r = ID;
    for (int i = k.bitLength() - 1; i >= 0; i--) {
      r = add(r, r);
      if (k.testBit(i)) {
        r = add(r, p);
      }
    }
    return r;
  }

  private static Pt decode(byte[] e) {
    byte[] b = e.clone();
    int sign = (b[31] >>> 7) & 1;
    b[31] &= 0x7F;
    BigInteger y = le(b);
    BigInteger u = y.multiply(y).subtract(BigInteger.ONE).mod(P);
    BigInteger v = D.multiply(y).multiply(y).add(BigInteger.ONE).mod(P);
    BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
    BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
    if (!x.multiply(x).mod(P).equals(x2)) {
      x = x.multiply(SQRT_M1).mod(P);
    }
    if (x.testBit(0) != (sign == 1)) {
      x = P.subtract(x).mod(P);
    }
    return new Pt(x, y);
  }

  private static byte[] encode(Pt p) {
    byte[] b = leBytes(p.y, 32);
    if (p.x.testBit(0)) {
      b[31] |= (byte) 0x80;
    }
    return b;
  }

  private static BigInteger le(byte[] b) {
    byte[] be = new byte[b.length + 1];
    for (int i = 0; i < b.length; i++) {
      be[b.length - i] = b[i];
    }
    return new BigInteger(be);
  }

  private static byte[] leBytes(BigInteger v, int len) {
    byte[] out = new byte[len];
    for (int i = 0; i < len; i++) {
      out[i] = v.shiftRight(8 * i).byteValue();
    }
    return out;
  }

  private static final Pt B = decode(Hex.decode("5866666666666666666666666666666666666666666666666666666666666666"));
  /** A point of order 8 (a standard small-order encoding; its order is checked below). */
  private static final Pt T8 = decode(Hex.decode("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"));

  private static BigInteger secretScalar(byte[] seed) throws Exception {
    byte[] h = MessageDigest.getInstance("SHA-512").digest(seed);
    h[0] &= (byte) 248;
    h[31] &= 127;
    h[31] |= 64;
    return le(java.util.Arrays.copyOf(h, 32));
  }

  private static BigInteger challenge(byte[] r, byte[] a, byte[] m) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-512");
    d.update(r);
    d.update(a);
    d.update(m);
    return le(d.digest()).mod(L);
  }

  /** A signature whose R has an order-8 component: s*B - R - k*A = -T8. */
  private static byte[] torsionSignature(byte[] seed, byte[] pub, byte[] msg) throws Exception {
    BigInteger a = secretScalar(seed);
    BigInteger r = new BigInteger(300, RNG).mod(L);
    byte[] rEnc = encode(add(mul(r, B), T8));
    BigInteger k = challenge(rEnc, pub, msg);
    BigInteger s = r.add(k.multiply(a)).mod(L);
    byte[] sig = new byte[64];
    System.arraycopy(rEnc, 0, sig, 0, 32);
    System.arraycopy(leBytes(s, 32), 0, sig, 32, 32);
    return sig;
  }

  private static BigInteger firstYOffTheCurve() {
    for (BigInteger y = BigInteger.TWO; ; y = y.add(BigInteger.ONE)) {
      BigInteger u = y.multiply(y).subtract(BigInteger.ONE).mod(P);
      BigInteger v = D.multiply(y).multiply(y).add(BigInteger.ONE).mod(P);
      BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
      if (!x2.modPow(P.subtract(BigInteger.ONE).shiftRight(1), P).equals(BigInteger.ONE)) {
        return y;
      }
    }
  }

  // ------------------------------------------------------------------ fixtures

  private record Item(Ed25519PublicKey key, byte[] msg, byte[] sig) {}

  private static List<Item> honest(int n, int distinctKeys) {
    List<Ed25519PrivateKey> keys = new ArrayList<>();
    for (int i = 0; i < distinctKeys; i++) {
      keys.add(Ed25519PrivateKey.generate(RNG));
    }
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Ed25519PrivateKey k = keys.get(i % distinctKeys);
      byte[] msg = new byte[RNG.nextInt(300)];
      RNG.nextBytes(msg);
      out.add(new Item(k.publicKey(), msg, k.sign(msg)));
    }
    return out;
  }

  private static boolean batch(List<Item> items) {
    return Ed25519Signatures.verifyAll(items.stream().map(Item::key).toList(),
        items.stream().map(Item::msg).toList(), items.stream().map(Item::sig).toList(), RNG);
  }

  // ------------------------------------------------------------------ tests

  @Test
  void theModelAgreesWithTheLibrary() throws Exception {
    assertEquals(ID, mul(BigInteger.valueOf(8), T8));
    assertFalse(ID.equals(mul(BigInteger.valueOf(4), T8)));
    assertEquals(ID, mul(L, B));
    byte[] seed = new byte[32];
    RNG.nextBytes(seed);
    Ed25519PrivateKey k = Ed25519PrivateKey.fromSeed(seed);
    assertEquals(Hex.encode(k.publicKey().toBytes()), Hex.encode(encode(mul(secretScalar(seed), B))));
  }

  @Test
  void honestBatchesOfEverySizeVerify() {
    for (int n : new int[] {1, 2, 3, 8, 33, 200}) {
      assertTrue(batch(honest(n, Math.max(1, n / 3))), "batch of " + n);
    }
    assertTrue(batch(List.of()), "the empty batch");
  }

  @Test
  void oneBadSignatureAnywhereFailsTheBatch() {
    for (int trial = 0; trial < 40; trial++) {
      List<Item> items = new ArrayList<>(honest(64, 20));
      int victim = RNG.nextInt(items.size());
      Item v = items.get(victim);
      Item bad;
      switch (trial % 4) {
        case 0 -> { // a bit of R
          byte[] s = v.sig.clone();
          s[RNG.nextInt(32)] ^= (byte) (1 << RNG.nextInt(8));
          bad = new Item(v.key, v.msg, s);
        }
        case 1 -> { // a bit of S
          byte[] s = v.sig.clone();
          s[32 + RNG.nextInt(31)] ^= (byte) (1 << RNG.nextInt(8));
          bad = new Item(v.key, v.msg, s);
        }
        case 2 -> { // the message
          byte[] m = java.util.Arrays.copyOf(v.msg, v.msg.length + 1);
          m[RNG.nextInt(m.length)] ^= 1;
          bad = new Item(v.key, m, v.sig);
        }
        default -> bad = new Item(items.get((victim + 1) % items.size()).key.equals(v.key)
            ? Ed25519PrivateKey.generate(RNG).publicKey() : items.get((victim + 1) % items.size()).key, v.msg, v.sig);
      }
      items.set(victim, bad);
      assertFalse(bad.key.verify(bad.msg, bad.sig), "trial " + trial);
      assertFalse(batch(items), "trial " + trial + ", entry " + victim);
    }
  }

  @Test
  void twoSignaturesThatCancelOutStillFail() {
    // swapping the S halves of two signatures by one key keeps sum(S) but breaks each equation
    List<Item> items = new ArrayList<>(honest(10, 1));
    byte[] a = items.get(3).sig.clone();
    byte[] b = items.get(7).sig.clone();
    byte[] sa = java.util.Arrays.copyOfRange(a, 32, 64);
    System.arraycopy(b, 32, a, 32, 32);
    System.arraycopy(sa, 0, b, 32, 32);
    items.set(3, new Item(items.get(3).key, items.get(3).msg, a));
    items.set(7, new Item(items.get(7).key, items.get(7).msg, b));
    assertFalse(batch(items));
  }

  @Test
  void malformedSignaturesFailOneAtATimeAndInBatches() {
    Item v = honest(1, 1).get(0);
    BigInteger s = le(java.util.Arrays.copyOfRange(v.sig, 32, 64));
    byte[] big = v.sig.clone();
    System.arraycopy(leBytes(s.add(L), 32), 0, big, 32, 32); // S + L: same point, S not reduced
    byte[] nonCanonicalR = v.sig.clone();
    System.arraycopy(leBytes(P.add(BigInteger.ONE), 32), 0, nonCanonicalR, 0, 32); // y = p + 1
    byte[] negativeZero = v.sig.clone(); // R = (x = 0, y = 1) with the sign bit set
    java.util.Arrays.fill(negativeZero, 0, 32, (byte) 0);
    negativeZero[0] = 1;
    negativeZero[31] = (byte) 0x80;
    byte[] notOnCurve = v.sig.clone(); // the first y with no x on the curve
    System.arraycopy(leBytes(firstYOffTheCurve(), 32), 0, notOnCurve, 0, 32);
    byte[] shortSig = java.util.Arrays.copyOf(v.sig, 63);
    for (byte[] bad : List.of(big, nonCanonicalR, negativeZero, notOnCurve, shortSig)) {
      assertFalse(v.key.verify(v.msg, bad));
      List<Item> items = new ArrayList<>(honest(9, 3));
      items.add(new Item(v.key, v.msg, bad));
      assertFalse(batch(items));
    }
    List<Item> withNull = new ArrayList<>(honest(3, 3));
    withNull.add(new Item(v.key, v.msg, null));
    assertFalse(batch(withNull));
  }

  @Test
  void listsOfDifferentLengthsOrNoRandomnessAreRejected() {
    Item v = honest(1, 1).get(0);
    assertThrows(IllegalArgumentException.class,
        () -> Ed25519Signatures.verifyAll(List.of(v.key), List.of(), List.of(v.sig), RNG));
    assertThrows(IllegalArgumentException.class,
        () -> Ed25519Signatures.verifyAll(List.of(v.key), List.of(v.msg), List.of(v.sig), null));
  }

  @Test
  void smallOrderComponentsGetTheSameAnswerOneAtATimeAndInBatches() throws Exception {
    byte[] seed = new byte[32];
    RNG.nextBytes(seed);
    Ed25519PrivateKey k = Ed25519PrivateKey.fromSeed(seed);
    byte[] pub = k.publicKey().toBytes();
    byte[] msg = "torsion".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] sig = torsionSignature(seed, pub, msg);
    // the cofactored equation holds; the two paths agree
    assertTrue(k.publicKey().verify(msg, sig));
    List<Item> items = new ArrayList<>(honest(20, 5));
    items.add(new Item(k.publicKey(), msg, sig));
    assertTrue(batch(items));
    // and the same signature with S off by one fails both ways
    byte[] off = sig.clone();
    System.arraycopy(leBytes(le(java.util.Arrays.copyOfRange(sig, 32, 64)).add(BigInteger.ONE).mod(L), 32), 0, off, 32, 32);
    assertFalse(k.publicKey().verify(msg, off));
    items.set(items.size() - 1, new Item(k.publicKey(), msg, off));
    assertFalse(batch(items));

    // a key with an order-8 component, signed with the prime-order part's secret
    BigInteger a = secretScalar(seed);
    byte[] mixedKey = encode(add(mul(a, B), T8));
    Ed25519PublicKey mixed = Ed25519PublicKey.fromBytes(mixedKey);
    int agreed = 0;
    for (int i = 0; i < 16; i++) {
      byte[] m = ("mixed " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      BigInteger r = new BigInteger(300, RNG).mod(L);
      byte[] rEnc = encode(mul(r, B));
      BigInteger c = challenge(rEnc, mixedKey, m);
      byte[] s2 = new byte[64];
      System.arraycopy(rEnc, 0, s2, 0, 32);
      System.arraycopy(leBytes(r.add(c.multiply(a)).mod(L), 32), 0, s2, 32, 32);
      assertTrue(mixed.verify(m, s2), "message " + i);
      List<Item> b2 = new ArrayList<>(honest(5, 5));
      b2.add(new Item(mixed, m, s2));
      assertTrue(batch(b2), "message " + i);
      agreed++;
    }
    assertEquals(16, agreed);
  }

  @Test
  void randomMixesAgreeWithOneAtATime() {
    Random pick = new Random(RNG.nextLong());
    for (int trial = 0; trial < 30; trial++) {
      List<Item> items = new ArrayList<>(honest(1 + pick.nextInt(40), 1 + pick.nextInt(8)));
      int bad = pick.nextInt(3);
      for (int j = 0; j < bad; j++) {
        int at = pick.nextInt(items.size());
        byte[] s = items.get(at).sig.clone();
        s[pick.nextInt(64)] ^= (byte) (1 << pick.nextInt(8));
        items.set(at, new Item(items.get(at).key, items.get(at).msg, s));
      }
      boolean each = items.stream().allMatch(i -> i.key.verify(i.msg, i.sig));
      assertEquals(each, batch(items), "trial " + trial);
    }
  }

  @Test
  void wycheproofCasesAgreeInBatches() {
    JsonNode root = SharedVectors.json("vectors/crypto/wycheproof/ed25519_test.json");
    List<Item> valid = new ArrayList<>();
    List<Item> invalid = new ArrayList<>();
    for (JsonNode group : root.get("testGroups")) {
      Ed25519PublicKey pk;
      try {
        pk = Ed25519PublicKey.fromBytes(Hex.decode(group.get("publicKey").get("pk").asText()));
      } catch (MalformedEncodingException e) {
        continue;
      }
      for (JsonNode t : group.get("tests")) {
        Item it = new Item(pk, Hex.decode(t.get("msg").asText()), Hex.decode(t.get("sig").asText()));
        (t.get("result").asText().equals("valid") ? valid : invalid).add(it);
      }
    }
    assertTrue(valid.size() > 50 && invalid.size() > 50, valid.size() + " / " + invalid.size());
    assertTrue(batch(valid));
    for (Item bad : invalid) {
      List<Item> items = new ArrayList<>(valid.subList(0, 10));
      items.add(bad);
      assertFalse(batch(items), Hex.encode(bad.sig));
    }
  }
}

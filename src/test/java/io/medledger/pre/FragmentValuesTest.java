package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.umbral.CurvePoint;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The value behaviour of the fragment types (parsing, accessors, equality, hash codes, text)
 * on the reference's own fragments: case S01, first key-fragment set, of
 * {@code vectors/umbral/vectors.json} (rust-umbral 0.10 output; provenance in PROVENANCE.md).
 */
class FragmentValuesTest {
  private static final JsonNode SET = SharedVectorsHolder.SET;

  /** Loaded once; the vectors file is large. */
  private static final class SharedVectorsHolder {
    static final JsonNode CASE = io.medledger.testing.SharedVectors.json(UmbralVectorsTest.VECTORS).get("cases").get(0);
    static final JsonNode SET = CASE.get("kfrag_sets").get(0);
  }

  private static byte[] hex(JsonNode n) {
    return Hex.decode(n.asText());
  }

  private static byte[] cfragBytes(int i) {
    return hex(SET.get("cfrags").get(i));
  }

  private static byte[] kfragBytes(int i) {
    return hex(SET.get("kfrags").get(i));
  }

  private static byte[] slice(byte[] b, int from, int length) {
    return Arrays.copyOfRange(b, from, from + length);
  }

  @Test
  void aCapsuleFragmentsPartsAreThoseOfItsSimpleForm() {
    byte[] wire = cfragBytes(0);
    CapsuleFrag cf = CapsuleFrag.fromBytes(wire);
    byte[] simple = hex(SET.get("cfrags_simple").get(0));
    assertEquals(CapsuleFrag.SIMPLE_LENGTH, simple.length);
    assertArrayEquals(simple, cf.toBytesSimple());
    // E1 ‖ V1 ‖ id ‖ X ‖ E2 ‖ V2 ‖ U1 ‖ U2 ‖ z ‖ signature
    assertArrayEquals(slice(simple, 0, 33), cf.e1().toBytes());
    assertArrayEquals(slice(simple, 33, 33), cf.v1().toBytes());
    assertArrayEquals(slice(simple, 66, 32), cf.kfragId());
    assertArrayEquals(slice(simple, 98, 33), cf.precursor().toBytes());
    assertArrayEquals(slice(simple, 131, 33), cf.e2().toBytes());
    assertArrayEquals(slice(simple, 164, 33), cf.v2().toBytes());
    assertArrayEquals(slice(simple, 197, 33), cf.u1().toBytes());
    assertArrayEquals(slice(simple, 230, 33), cf.u2().toBytes());
    assertArrayEquals(slice(simple, 263, 32), cf.z().toBytes());
    assertArrayEquals(slice(simple, 295, 64), cf.kfragSignature().toBytes());
    assertArrayEquals(wire, cf.toBytes());
    // The id is a copy.
    cf.kfragId()[0] ^= 1;
    assertArrayEquals(slice(simple, 66, 32), cf.kfragId());
  }

  @Test
  void capsuleFragmentsAreEqualExactlyWhenTheirBytesAre() {
    CapsuleFrag a = CapsuleFrag.fromBytes(cfragBytes(0));
    CapsuleFrag same = CapsuleFrag.fromBytes(cfragBytes(0));
    CapsuleFrag other = CapsuleFrag.fromBytes(cfragBytes(1));
    assertNotSame(a, same);
    assertEquals(a, same);
    assertNotEquals(a, other);
    assertNotEquals(a, (Object) VerifiedCapsuleFrag.fromTrustedBytes(cfragBytes(0)));
    assertEquals(a.hashCode(), same.hashCode());
    // the id and E1 spread the hash
    assertEquals(Arrays.hashCode(a.kfragId()) * 31 + a.e1().hashCode(), a.hashCode());
    assertEquals("CapsuleFrag[kfragId=" + Hex.encode(a.kfragId()) + ", unverified]", a.toString());
  }

  @Test
  void aVerifiedCapsuleFragmentIsItsFragmentUnderAnotherType() {
    byte[] wire = cfragBytes(2);
    VerifiedCapsuleFrag v = VerifiedCapsuleFrag.fromTrustedBytes(wire);
    assertArrayEquals(wire, v.toBytes());
    assertArrayEquals(hex(SET.get("cfrags_simple").get(2)), v.toBytesSimple());
    assertEquals(CapsuleFrag.fromBytes(wire), v.unverify());
    assertEquals(VerifiedCapsuleFrag.fromTrustedBytes(wire), v);
    assertNotEquals(VerifiedCapsuleFrag.fromTrustedBytes(cfragBytes(1)), v);
    assertNotEquals(v, (Object) v.unverify());
    assertEquals(v.unverify().hashCode(), v.hashCode());
    assertEquals("VerifiedCapsuleFrag[kfragId=" + Hex.encode(v.unverify().kfragId()) + "]", v.toString());
    assertThrows(MalformedEncodingException.class,
        () -> VerifiedCapsuleFrag.fromTrustedBytes(Arrays.copyOf(wire, wire.length - 1)));
  }

  @Test
  void aVerifiedKeyFragmentIsItsFragmentUnderAnotherType() {
    byte[] wire = kfragBytes(1);
    VerifiedKeyFrag v = VerifiedKeyFrag.fromTrustedBytes(wire);
    assertArrayEquals(wire, v.toBytes());
    KeyFrag k = KeyFrag.fromBytes(wire);
    assertEquals(k, v.unverify());
    assertEquals(VerifiedKeyFrag.fromTrustedBytes(wire), v);
    assertNotEquals(VerifiedKeyFrag.fromTrustedBytes(kfragBytes(2)), v);
    assertNotEquals(v, (Object) k);
    assertEquals(Arrays.hashCode(k.id()), v.hashCode());
    String id = Hex.encode(k.id());
    assertEquals("VerifiedKeyFrag[id=" + id + "]", v.toString());
    assertFalse(v.isDestroyed());
    v.destroy();
    assertTrue(v.isDestroyed());
    assertTrue(v.unverify().isDestroyed());
    assertEquals("VerifiedKeyFrag[id=" + id + ", destroyed]", v.toString());
    // a destroyed fragment equals only itself, from either side
    KeyFrag live = KeyFrag.fromBytes(wire);
    assertNotEquals(v.unverify(), live);
    assertNotEquals(live, v.unverify());
    assertEquals(v.unverify(), v.unverify());
    assertThrows(MalformedEncodingException.class,
        () -> VerifiedKeyFrag.fromTrustedBytes(Arrays.copyOf(wire, wire.length - 1)));
  }

  @Test
  void aKeyFragmentsPartsAreAtTheirReferenceOffsets() {
    byte[] wire = kfragBytes(0);
    KeyFrag k = KeyFrag.fromBytes(wire);
    // 95 91 c421 U | c420 id | c420 key | c421 X | 95 c421 C | c440 sig | c440 sig | flags
    assertArrayEquals(slice(wire, 4, 33), CurvePoint.U.toBytes());
    assertArrayEquals(slice(wire, 39, 32), k.id());
    assertArrayEquals(slice(wire, 107, 33), k.precursor().toBytes());
    assertArrayEquals(slice(wire, 143, 33), k.commitment().toBytes());
    assertArrayEquals(slice(wire, 244, 64), k.signatureForReceiver().toBytes());
    assertTrue(k.delegatingKeySigned());
    assertTrue(k.receivingKeySigned());
    assertEquals(Arrays.hashCode(k.id()), k.hashCode());
    assertEquals("KeyFrag[id=" + Hex.encode(k.id()) + ", unverified]", k.toString());
    k.id()[0] ^= 1;
    assertArrayEquals(slice(wire, 39, 32), k.id());
  }

  @Test
  void aKeyFragmentSaysWhichKeysItsProxySignatureBinds() {
    // S02's first set signs neither key, its second the delegating key only
    JsonNode s02 = io.medledger.testing.SharedVectors.json(UmbralVectorsTest.VECTORS).get("cases").get(1);
    KeyFrag neither = KeyFrag.fromBytes(hex(s02.get("kfrag_sets").get(0).get("kfrags").get(0)));
    assertFalse(neither.delegatingKeySigned());
    assertFalse(neither.receivingKeySigned());
    KeyFrag delegating = KeyFrag.fromBytes(hex(s02.get("kfrag_sets").get(1).get("kfrags").get(0)));
    assertTrue(delegating.delegatingKeySigned());
    assertFalse(delegating.receivingKeySigned());
  }

  @Test
  void aCapsuleIsEqualHashedAndShownByItsSimpleForm() {
    JsonNode s01 = SharedVectorsHolder.CASE;
    Capsule c = Capsule.fromBytes(hex(s01.get("capsule")));
    byte[] simple = hex(s01.get("capsule_simple"));
    assertEquals(Capsule.SIMPLE_LENGTH, simple.length);
    assertArrayEquals(simple, c.toBytesSimple());
    assertEquals(Arrays.hashCode(simple), c.hashCode());
    assertEquals("Capsule[" + Hex.encode(simple) + "]", c.toString());
    assertEquals(c, Capsule.fromBytes(c.toBytes()));
    assertNotEquals(c, Capsule.fromBytes(hex(io.medledger.testing.SharedVectors.json(UmbralVectorsTest.VECTORS)
        .get("cases").get(1).get("capsule"))));
    assertNotEquals(c, (Object) simple);
    c.toBytesSimple()[0] ^= 1;
    assertArrayEquals(simple, c.toBytesSimple());
  }

  @Test
  void everySecretOperationOfADestroyedFragmentRefuses() {
    KeyFrag k = KeyFrag.fromBytes(kfragBytes(2));
    k.keyScalar();
    k.destroy();
    // each entry point checks on its own (a destroy may land between two calls of one re-encryption)
    assertThrows(IllegalStateException.class, k::keyScalar);
    assertThrows(IllegalStateException.class, () -> k.multiplyByKey(CurvePoint.G.ec()));
    assertThrows(IllegalStateException.class, k::toBytes);
    assertEquals("KeyFrag[id=" + Hex.encode(k.id()) + ", unverified, destroyed]", k.toString());
  }

  @Test
  void trailingBytesAfterACapsuleFragmentAreRefused() {
    byte[] wire = cfragBytes(0);
    assertThrows(MalformedEncodingException.class, () -> CapsuleFrag.fromBytes(Arrays.copyOf(wire, wire.length + 1)));
    assertThrows(MalformedEncodingException.class, () -> KeyFrag.fromBytes(Arrays.copyOf(kfragBytes(0), KeyFrag.LENGTH + 1)));
  }

  @Test
  void aVerdictGivesItsValueOrItsReason() throws Exception {
    VerifiedCapsuleFrag v = VerifiedCapsuleFrag.fromTrustedBytes(cfragBytes(0));
    assertEquals(v, new Verification.Verified<>(v).orElseThrow());
    VerificationException e = assertThrows(VerificationException.class,
        () -> new Verification.Rejected<VerifiedCapsuleFrag>(VerificationFailure.INCORRECT_REENCRYPTION).orElseThrow());
    assertEquals(VerificationFailure.INCORRECT_REENCRYPTION, e.reason());
    assertEquals("the re-encryption proof does not verify", VerificationFailure.INCORRECT_REENCRYPTION.description());
    assertEquals("invalid key fragment commitment", VerificationFailure.INCORRECT_COMMITMENT.description());
  }
}

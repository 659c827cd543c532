package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.CurveScalar;
import io.medledger.internal.umbral.Secp256k1;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A hostile capsule with V = −E passes the capsule's own check (s·G = V + h·E with s = (h − 1)·r
 * for E = r·G), yet E + V is the identity, so every shared secret derived from it is the identity
 * point. Decryption must refuse it with a reason, not fail with an arithmetic exception.
 */
class DegenerateCapsuleTest {
  private final SecretKey alice = SecretKey.random();
  private final SecretKey bob = SecretKey.random();
  private final Signer signer = new Signer(SecretKey.random());

  /** The capsule (r·G, −r·G, (h − 1)·r), parsed from its wire form as a peer would send it. */
  private static Capsule cancellingCapsule() {
    CurveScalar r = CurveScalar.randomNonZero(EntropySource.secure());
    CurvePoint e = CurvePoint.of(Secp256k1.mulG(r.toBigInteger()));
    CurvePoint v = CurvePoint.of(e.ec().negate());
    CurveScalar h = CurveScalar.hash(Capsule.DST_CAPSULE_POINTS, e.toBytes(), v.toBytes());
    CurveScalar s = h.subtract(CurveScalar.ONE).multiply(r);
    return Capsule.fromBytes(new Capsule(e, v, s).toBytes());
  }

  @Test
  void theOwnerRefusesACapsuleWhosePointsCancel() {
    Capsule c = cancellingCapsule();
    assertEquals(c.e().ec().negate(), c.v().ec());
    DecryptionException e = assertThrows(DecryptionException.class,
        () -> Umbral.decryptOriginal(alice, c, new byte[64]));
    assertEquals(DecryptionException.Reason.AUTHENTICATION_FAILED, e.reason());
  }

  @Test
  void theReceiverRefusesItAfterHonestReEncryption() {
    Capsule c = cancellingCapsule();
    List<VerifiedCapsuleFrag> cfrags = new ArrayList<>();
    for (VerifiedKeyFrag k : Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 3, true, true)) {
      VerifiedCapsuleFrag cf = Umbral.reencrypt(c, k);
      // the proxy's proof is sound: the fragment verifies for this capsule
      assertEquals(true, cf.unverify().verify(c, signer.verifyingKey(), alice.publicKey(), bob.publicKey())
          .isVerified());
      cfrags.add(cf);
    }
    for (List<VerifiedCapsuleFrag> some : List.of(cfrags.subList(0, 2), cfrags)) {
      DecryptionException e = assertThrows(DecryptionException.class,
          () -> Umbral.decryptReencrypted(bob, alice.publicKey(), c, some, new byte[64]));
      assertEquals(DecryptionException.Reason.VALIDATION_FAILED, e.reason());
    }
  }

  @Test
  void anEnvelopeWithSuchACapsuleIsAnEnvelopeErrorForOwnerAndGrantee() throws Exception {
    Capsule c = cancellingCapsule();
    ByteArrayOutputStream env = new ByteArrayOutputStream();
    env.writeBytes(new EnvelopeHeader(c, new byte[72]).toBytes());
    env.writeBytes(new byte[100]);
    byte[] envelope = env.toByteArray();
    assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsOwner(alice, envelope));

    List<ReEncryptionProxy> proxies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      proxies.add(new ReEncryptionProxy("p" + i, SecretKey.random()));
    }
    GrantKeyMaterial m = GrantKeyMaterial.create(alice, signer, bob.publicKey(),
        proxies.stream().map(ReEncryptionProxy::proxyKey).toList(), 2);
    List<ProxyResponse> answers = new ArrayList<>();
    for (ReEncryptionProxy p : proxies) {
      p.acceptGrant("g", m, signer.verifyingKey(), alice.publicKey(), bob.publicKey());
      answers.add(p.reencrypt("g", c));
    }
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsGrantee(bob,
        alice.publicKey(), signer.verifyingKey(), 2, answers, envelope));
    assertEquals("the capsule fragments do not open this envelope: "
        + new DecryptionException(DecryptionException.Reason.VALIDATION_FAILED).getMessage(), e.getMessage());
  }
}

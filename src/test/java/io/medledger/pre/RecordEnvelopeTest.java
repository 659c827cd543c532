package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecordEnvelopeTest {
  private final SecretKey patient = SecretKey.random();
  private final Signer patientSigner = new Signer(SecretKey.random());
  private final SecretKey clinician = SecretKey.random();
  private final List<ReEncryptionProxy> proxies = new ArrayList<>();
  private final byte[] fhir = ("{\"resourceType\":\"Observation\",\"id\":\"hba1c\",\"subject\":{\"reference\":\"Patient/x\"},"
      + "\"note\":[{\"text\":\"患者血糖控制良好 — Müller\"}]}").getBytes(StandardCharsets.UTF_8);

  RecordEnvelopeTest() {
    for (int i = 0; i < 5; i++) {
      proxies.add(new ReEncryptionProxy("fed-" + i, SecretKey.random()));
    }
  }

  private List<ProxyKey> keys(int n) {
    return proxies.subList(0, n).stream().map(ReEncryptionProxy::proxyKey).toList();
  }

  private GrantKeyMaterial grant(String grantId, int t, int n, PublicKey grantee) throws EnvelopeException {
    GrantKeyMaterial m = GrantKeyMaterial.create(patient, patientSigner, grantee, keys(n), t);
    for (ReEncryptionProxy p : proxies.subList(0, n)) {
      p.acceptGrant(grantId, m, patientSigner.verifyingKey(), patient.publicKey(), grantee);
    }
    return m;
  }

  private List<ProxyResponse> ask(String grantId, byte[] envelope, int... which) throws Exception {
    Capsule capsule = EnvelopeHeader.read(new ByteArrayInputStream(envelope)).capsule();
    List<ProxyResponse> out = new ArrayList<>();
    for (int i : which) {
      out.add(proxies.get(i).reencrypt(grantId, capsule));
    }
    return out;
  }

  @Test
  void ownerAndThresholdGranteesOpenTheEnvelope() throws Exception {
    byte[] env = RecordEnvelope.seal(patient.publicKey(), fhir);
    assertArrayEquals(fhir, RecordEnvelope.openAsOwner(patient, env));
    for (int[] tn : new int[][] {{2, 3}, {3, 5}}) {
      String g = "grant-" + tn[0] + "-" + tn[1];
      grant(g, tn[0], tn[1], clinician.publicKey());
      int[] any = tn[0] == 2 ? new int[] {2, 0} : new int[] {4, 1, 3};
      byte[] got = RecordEnvelope.openAsGrantee(clinician, patient.publicKey(), patientSigner.verifyingKey(), tn[0],
          ask(g, env, any), env);
      assertArrayEquals(fhir, got);
      int[] tooFew = java.util.Arrays.copyOf(any, tn[0] - 1);
      EnvelopeException e = assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsGrantee(clinician,
          patient.publicKey(), patientSigner.verifyingKey(), tn[0], ask(g, env, tooFew), env));
      assertTrue(e.getMessage().contains("need capsule fragments"));
    }
  }

  @Test
  void largePayloadsStream() throws Exception {
    byte[] big = new byte[3 * 1024 * 1024 + 123];
    new Random(3).nextBytes(big);
    ByteArrayOutputStream env = new ByteArrayOutputStream();
    RecordEnvelope.seal(patient.publicKey(), new ByteArrayInputStream(big), env, EntropySource.secure());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(big.length, RecordEnvelope.openAsOwner(patient, new ByteArrayInputStream(env.toByteArray()), out));
    assertArrayEquals(big, out.toByteArray());
    grant("g", 2, 3, clinician.publicKey());
    out.reset();
    RecordEnvelope.openAsGrantee(clinician, patient.publicKey(), patientSigner.verifyingKey(), 2,
        ask("g", env.toByteArray(), 0, 1), new ByteArrayInputStream(env.toByteArray()), out);
    assertArrayEquals(big, out.toByteArray());
  }

  @Test
  void forgedFragmentIsRejectedNamingItsProxy() throws Exception {
    byte[] env = RecordEnvelope.seal(patient.publicKey(), fhir);
    grant("real", 2, 3, clinician.publicKey());
    // proxy fed-1 answers with a fragment made under another grant (to another grantee)
    SecretKey mallory = SecretKey.random();
    grant("other", 2, 3, mallory.publicKey());
    List<ProxyResponse> answers = ask("real", env, 0);
    answers.addAll(ask("other", env, 1));
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsGrantee(clinician,
        patient.publicKey(), patientSigner.verifyingKey(), 2, answers, env));
    assertEquals("fed-1", e.proxyId());
    assertTrue(e.getMessage().contains("fed-1"), e.getMessage());
    // a fragment for a different envelope's capsule
    byte[] env2 = RecordEnvelope.seal(patient.publicKey(), fhir);
    List<ProxyResponse> mixed = ask("real", env, 0);
    mixed.addAll(ask("real", env2, 2));
    EnvelopeException e2 = assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsGrantee(clinician,
        patient.publicKey(), patientSigner.verifyingKey(), 2, mixed, env));
    assertEquals("fed-2", e2.proxyId());
    // the same fragment relayed under two names
    List<ProxyResponse> replay = ask("real", env, 0);
    replay.add(new ProxyResponse("fed-9", replay.get(0).capsuleFrag()));
    assertEquals("fed-9", assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsGrantee(clinician,
        patient.publicKey(), patientSigner.verifyingKey(), 2, replay, env)).proxyId());
  }

  @Test
  void wrongKeysTamperingAndRevocation() throws Exception {
    byte[] env = RecordEnvelope.seal(patient.publicKey(), fhir);
    assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsOwner(clinician, env));
    byte[] tampered = env.clone();
    tampered[tampered.length - 3] ^= 1;
    assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsOwner(patient, tampered));
    byte[] badHeader = env.clone();
    badHeader[0] = 'X';
    assertThrows(MalformedEncodingException.class, () -> RecordEnvelope.openAsOwner(patient, badHeader));
    assertThrows(MalformedEncodingException.class,
        () -> RecordEnvelope.openAsOwner(patient, java.util.Arrays.copyOf(env, 20)));

    GrantKeyMaterial m = grant("g", 2, 3, clinician.publicKey());
    // a grantee who is not the one named cannot use the fragments
    SecretKey other = SecretKey.random();
    assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsGrantee(other, patient.publicKey(),
        patientSigner.verifyingKey(), 2, ask("g", env, 0, 1), env));
    // a proxy refuses a fragment signed by someone other than the owner
    ReEncryptionProxy p0 = proxies.get(0);
    assertThrows(EnvelopeException.class, () -> p0.acceptGrant("g2", m, new Signer(SecretKey.random()).verifyingKey(),
        patient.publicKey(), clinician.publicKey()));
    // revocation: proxies discard the fragments; re-encryption is refused afterwards
    for (ReEncryptionProxy p : proxies.subList(0, 3)) {
      assertTrue(p.revoke("g"));
      assertFalse(p.holds("g"));
    }
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> ask("g", env, 0));
    assertTrue(e.getMessage().contains("revoked"));
  }

  @Test
  void encryptedFragmentsRoundTripAndNeverShowKeys() {
    GrantKeyMaterial m = GrantKeyMaterial.create(patient, patientSigner, clinician.publicKey(), keys(3), 2);
    for (EncryptedKeyFrag f : m.fragments()) {
      assertEquals(f, EncryptedKeyFrag.fromBytes(f.toBytes()));
      byte[] trailing = java.util.Arrays.copyOf(f.toBytes(), f.toBytes().length + 1);
      assertThrows(MalformedEncodingException.class, () -> EncryptedKeyFrag.fromBytes(trailing));
    }
    assertEquals("GrantKeyMaterial[2 of 3]", m.toString());
    assertThrows(IllegalArgumentException.class,
        () -> GrantKeyMaterial.create(patient, patientSigner, clinician.publicKey(), keys(3), 4));
  }
}

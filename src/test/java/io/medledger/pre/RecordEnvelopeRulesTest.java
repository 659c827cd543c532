package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The envelope's threshold rules and the wiping of its data key. */
class RecordEnvelopeRulesTest {
  private final SecretKey patient = SecretKey.random();
  private final Signer signer = new Signer(SecretKey.random());
  private final SecretKey reader = SecretKey.random();
  private final byte[] payload = "{\"resourceType\":\"Observation\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  /** Answers of {@code n} proxies holding a {@code t}-of-{@code n} grant to the reader. */
  private List<ProxyResponse> answers(Capsule capsule, int t, int n) throws Exception {
    List<ReEncryptionProxy> proxies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      proxies.add(new ReEncryptionProxy("p" + i, SecretKey.random()));
    }
    GrantKeyMaterial m = GrantKeyMaterial.create(patient, signer, reader.publicKey(),
        proxies.stream().map(ReEncryptionProxy::proxyKey).toList(), t);
    GrantKeyMaterial same = GrantKeyMaterial.of(m.threshold(), m.fragments());
    org.junit.jupiter.api.Assertions.assertEquals(m, same, "grant material equals its own parts");
    org.junit.jupiter.api.Assertions.assertEquals(m.hashCode(), same.hashCode());
    List<ProxyResponse> out = new ArrayList<>();
    for (ReEncryptionProxy p : proxies) {
      p.acceptGrant("g", m, signer.verifyingKey(), patient.publicKey(), reader.publicKey());
      out.add(p.reencrypt("g", capsule));
    }
    return out;
  }

  private static Capsule capsuleOf(byte[] envelope) throws Exception {
    return EnvelopeHeader.read(new ByteArrayInputStream(envelope)).capsule();
  }

  @Test
  void sealingWipesTheDataKeyItDrew() throws Exception {
    List<byte[]> draws = new ArrayList<>();
    List<byte[]> drawn = new ArrayList<>();
    EntropySource recording = out -> {
      EntropySource.secure().nextBytes(out);
      draws.add(out);
      drawn.add(out.clone());
    };
    ByteArrayOutputStream env = new ByteArrayOutputStream();
    EnvelopeHeader h = RecordEnvelope.seal(patient.publicKey(), new ByteArrayInputStream(payload), env, recording);
    // the first draw is the data key: it was wiped, and it is the key the header wraps
    assertEquals(32, draws.get(0).length);
    assertArrayEquals(new byte[32], draws.get(0));
    assertArrayEquals(drawn.get(0), Umbral.decryptOriginal(patient, h.capsule(), h.encryptedKey()));
    assertArrayEquals(payload, RecordEnvelope.openAsOwner(patient, env.toByteArray()));
  }

  @Test
  void aThresholdOfOneNeedsOneFragmentAndZeroIsRefused() throws Exception {
    byte[] env = RecordEnvelope.seal(patient.publicKey(), payload);
    List<ProxyResponse> one = answers(capsuleOf(env), 1, 1);
    assertArrayEquals(payload, RecordEnvelope.openAsGrantee(reader, patient.publicKey(), signer.verifyingKey(), 1,
        one, env));
    assertThrows(IllegalArgumentException.class, () -> RecordEnvelope.openAsGrantee(reader, patient.publicKey(),
        signer.verifyingKey(), 0, one, env));
    assertThrows(IllegalArgumentException.class, () -> RecordEnvelope.verifyResponses(capsuleOf(env),
        reader.publicKey(), patient.publicKey(), signer.verifyingKey(), 0, List.of()));
  }

  @Test
  void moreAnswersThanTheThresholdAreVerifiedAndCutToIt() throws Exception {
    byte[] env = RecordEnvelope.seal(patient.publicKey(), payload);
    Capsule capsule = capsuleOf(env);
    List<ProxyResponse> all = answers(capsule, 2, 4);
    List<VerifiedCapsuleFrag> v = RecordEnvelope.verifyResponses(capsule, reader.publicKey(), patient.publicKey(),
        signer.verifyingKey(), 2, all);
    assertEquals(2, v.size());
    assertArrayEquals(all.get(0).capsuleFrag().toBytes(), v.get(0).toBytes());
    assertArrayEquals(all.get(1).capsuleFrag().toBytes(), v.get(1).toBytes());
    assertArrayEquals(payload, RecordEnvelope.openAsGrantee(reader, patient.publicKey(), signer.verifyingKey(), 2,
        all, env));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(payload.length, RecordEnvelope.openAsGrantee(reader, patient.publicKey(), signer.verifyingKey(), 2,
        all, new ByteArrayInputStream(env), out));
    assertArrayEquals(payload, out.toByteArray());
    // exactly the threshold is enough; one fewer is not
    assertEquals(4, RecordEnvelope.verifyResponses(capsule, reader.publicKey(), patient.publicKey(),
        signer.verifyingKey(), 4, all).size());
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> RecordEnvelope.verifyResponses(capsule,
        reader.publicKey(), patient.publicKey(), signer.verifyingKey(), 5, all));
    assertEquals("need capsule fragments from 5 proxies, got 4", e.getMessage());
    assertEquals(null, e.proxyId());
  }

  @Test
  void aForgedAnswerIsNamedWithTheReasonItFailed() throws Exception {
    byte[] env = RecordEnvelope.seal(patient.publicKey(), payload);
    Capsule capsule = capsuleOf(env);
    List<ProxyResponse> all = answers(capsule, 2, 2);
    Capsule other = capsuleOf(RecordEnvelope.seal(patient.publicKey(), payload));
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> RecordEnvelope.verifyResponses(other,
        reader.publicKey(), patient.publicKey(), signer.verifyingKey(), 2, all));
    assertEquals("p0", e.proxyId());
    assertEquals("proxy p0 returned an invalid capsule fragment: "
        + VerificationFailure.INCORRECT_REENCRYPTION.description(), e.getMessage());
    List<ProxyResponse> twice = List.of(all.get(0), new ProxyResponse("p0", all.get(1).capsuleFrag()));
    e = assertThrows(EnvelopeException.class, () -> RecordEnvelope.verifyResponses(capsule, reader.publicKey(),
        patient.publicKey(), signer.verifyingKey(), 2, twice));
    assertEquals("proxy p0 answered twice", e.getMessage());
    List<ProxyResponse> replayed = List.of(all.get(0), new ProxyResponse("p9", all.get(0).capsuleFrag()));
    e = assertThrows(EnvelopeException.class, () -> RecordEnvelope.verifyResponses(capsule, reader.publicKey(),
        patient.publicKey(), signer.verifyingKey(), 2, replayed));
    assertEquals("proxy p9 replayed another proxy's fragment", e.getMessage());
  }

  @Test
  void aTruncatedPayloadIsAnEnvelopeErrorAndTheStreamingFormCountsBytes() throws Exception {
    byte[] env = RecordEnvelope.seal(patient.publicKey(), payload);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(payload.length, RecordEnvelope.openAsOwner(patient, new ByteArrayInputStream(env), out));
    byte[] cut = Arrays.copyOf(env, env.length - 1);
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsOwner(patient, cut));
    assertEquals("the envelope payload was altered or truncated", e.getMessage());
    e = assertThrows(EnvelopeException.class, () -> RecordEnvelope.openAsOwner(reader, env));
    assertTrue(e.getMessage().startsWith("the envelope does not open with this key: "), e.getMessage());
  }
}

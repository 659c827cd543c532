package io.medledger.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ParticipantTest {
  private static Ed25519PrivateKey key(int i) {
    byte[] seed = new byte[32];
    seed[0] = (byte) i;
    return Ed25519PrivateKey.fromSeed(seed);
  }

  @Test
  void pseudonymIsATaggedHashOfTheKey() {
    Ed25519PrivateKey k = key(1);
    ParticipantId id = ParticipantId.of(k.publicKey());
    byte[] tag = "medledger/participant/v1\0".getBytes(StandardCharsets.US_ASCII);
    assertEquals(Sha256.hash(tag, k.publicKey().toBytes()), id.digest());
    assertNotEquals(Sha256.hash(k.publicKey().toBytes()), id.digest());
    assertEquals(id, ParticipantId.of(key(1).publicKey()));
    assertNotEquals(id, ParticipantId.of(key(2).publicKey()));
    assertEquals(id, ParticipantId.fromHex(id.toHex()));
    assertThrows(MalformedEncodingException.class, () -> ParticipantId.fromHex("abcd"));
    assertFalse(id.toString().contains(k.publicKey().toHex()));
  }

  @Test
  void institutionClassesAreShortCodes() {
    assertEquals("A", InstitutionClass.A.code());
    assertEquals(new InstitutionClass("B2"), new InstitutionClass("B2"));
    assertThrows(IllegalArgumentException.class, () -> new InstitutionClass("a"));
    assertThrows(IllegalArgumentException.class, () -> new InstitutionClass(""));
    assertThrows(IllegalArgumentException.class, () -> new InstitutionClass("ABCDEFGHI"));
  }

  @Test
  void participantShapesAreValidated() {
    ParticipantId inst = ParticipantId.of(key(9).publicKey());
    Participant clinician = new Participant(ParticipantKind.CLINICIAN, key(3).publicKey(), Optional.of(inst),
        Optional.empty(), 4, true);
    assertEquals(ParticipantId.of(key(3).publicKey()), clinician.id());
    assertFalse(clinician.deactivated().active());
    assertTrue(clinician.deactivated().reactivated().active());
    assertThrows(IllegalArgumentException.class, () -> new Participant(ParticipantKind.CLINICIAN, key(3).publicKey(),
        Optional.empty(), Optional.empty(), 0, true));
    assertThrows(IllegalArgumentException.class, () -> new Participant(ParticipantKind.INSTITUTION, key(3).publicKey(),
        Optional.empty(), Optional.empty(), 0, true));
    assertThrows(IllegalArgumentException.class, () -> new Participant(ParticipantKind.PATIENT, key(3).publicKey(),
        Optional.of(inst), Optional.empty(), 0, true));
    assertEquals("federation_server", ParticipantKind.FEDERATION_SERVER.label());
    assertEquals("research", Purpose.RESEARCH.label());
  }
}

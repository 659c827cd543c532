package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.access.ParticipantKind;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.pre.SecretKey;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A research key equal to the patient's encryption or fragment key would undo the separation of
 * research grants from full payloads: no identity or key card holds one.
 */
class ResearchKeyDistinctTest {
  private final Ed25519PrivateKey ledgerKey = Ed25519PrivateKey.generate();
  private final SecretKey enc = SecretKey.random();
  private final SecretKey frag = SecretKey.random();

  @Test
  void anIdentityRefusesAResearchKeyEqualToItsEncryptionOrFragmentKey() {
    assertThrows(IllegalArgumentException.class,
        () -> Identity.of(ParticipantKind.PATIENT, "Li", ledgerKey, enc, frag, SecretKey.fromSecretBytes(enc.exportSecretBytes())));
    assertThrows(IllegalArgumentException.class,
        () -> Identity.of(ParticipantKind.PATIENT, "Li", ledgerKey, enc, frag, frag));
    SecretKey research = SecretKey.random();
    assertEquals(Optional.of(research.publicKey()),
        Identity.of(ParticipantKind.PATIENT, "Li", ledgerKey, enc, frag, research).researchPublicKey());
  }

  @Test
  void aKeyCardRefusesAResearchKeyEqualToItsEncryptionOrVerifyingKey() {
    KeyCard good = Identity.of(ParticipantKind.PATIENT, "Li", ledgerKey, enc, frag, SecretKey.random()).card();
    ByteString sig = good.signature();
    assertThrows(IllegalArgumentException.class, () -> new KeyCard(good.kind(), good.signingKey(), good.encryptionKey(),
        good.verifyingKey(), Optional.of(good.encryptionKey()), sig));
    assertThrows(IllegalArgumentException.class, () -> new KeyCard(good.kind(), good.signingKey(), good.encryptionKey(),
        good.verifyingKey(), Optional.of(good.verifyingKey()), sig));
    assertEquals(good, new KeyCard(good.kind(), good.signingKey(), good.encryptionKey(), good.verifyingKey(),
        good.researchKey(), sig));
  }
}

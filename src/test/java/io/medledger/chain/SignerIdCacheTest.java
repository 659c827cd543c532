package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The processor's cache of signer ids: every id it gives is {@code ParticipantId.of} of that very
 * key, a repeated key is answered from the cache even after other keys, and a stream of distinct
 * keys keeps the cache at its bound.
 */
class SignerIdCacheTest {
  @Test
  void idsAreExactCachedAndBounded() {
    BlockProcessor p = new BlockProcessor(ChainFixture.create().ledger.parameters());
    SecureRandom random = new SecureRandom();
    List<Ed25519PublicKey> keys = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      keys.add(Ed25519PrivateKey.generate(random).publicKey());
    }
    List<ParticipantId> first = new ArrayList<>();
    for (Ed25519PublicKey k : keys) {
      ParticipantId id = p.participantOf(k);
      assertEquals(ParticipantId.of(k), id, "the id of this key, not of another");
      first.add(id);
    }
    for (int i = 0; i < keys.size(); i++) {
      // an equal key decoded afresh (another object) finds the id cached for its bytes
      Ed25519PublicKey again = Ed25519PublicKey.fromBytes(keys.get(i).toBytes());
      assertSame(first.get(i), p.participantOf(again), "key " + i + " from the cache");
    }
    for (int i = keys.size(); i <= BlockProcessor.SIGNER_IDS; i++) {
      Ed25519PublicKey k = Ed25519PrivateKey.generate(random).publicKey();
      assertEquals(ParticipantId.of(k), p.participantOf(k));
    }
    assertEquals(1, p.cachedSignerIds(), "the cache started afresh at its bound");
  }
}

package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.PatientRegistration;
import io.medledger.client.Identity;
import io.medledger.consensus.ProtocolKind;
import io.medledger.crypto.Ed25519PrivateKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A hostile registrar (one clinician key) that submits far more patient registrations than one
 * block may hold of it does not crowd out another registrar's registrations queued behind its
 * flood: whichever sequencer orders the blocks, the honest ones are final in the first block, the
 * flood takes at most the chain's bound per block, and every acknowledged registration becomes final.
 */
class RegistrationFloodTest {
  private static final int K = 4;

  private final java.security.SecureRandom random = TestFederation.seeded(7);

  /** {@code n} registrations of fresh patient keys, each countersigned by {@code registrar}. */
  private List<Entry> registrations(Federation f, int n, Identity registrar) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Ed25519PrivateKey patient = Ed25519PrivateKey.generate(random);
      out.add(Entry.sign(new PatientRegistration(patient.publicKey(), f.now(), List.of()), f.parameters().chainId(),
          patient, registrar.secretSigningKey()));
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"direct", "rotating-audit", "bft"})
  void anHonestRegistrarsRegistrationsGetInWhileAFloodIsDeferred(String sequencer) {
    Federation.Builder b = TestFederation.builder(ChainParameters.defaults("network-test").withRegistrationBound(K, 0));
    try (Federation f = (sequencer.equals("direct") ? b.directSequencer()
        : b.consensus(ProtocolKind.fromConfigName(sequencer))).build()) {
      Identity hostile = f.registerClinician("dr-flood", "Clinic C").identity();
      Identity honest = f.institution("Hospital B2");
      List<Entry> flood = registrations(f, 6 * K, hostile);
      List<Entry> real = registrations(f, 2, honest);
      List<Entry> all = new ArrayList<>(flood);
      all.addAll(real); // queued behind the flood
      Sequencer.Outcome o = f.submit(all);
      assertTrue(o.rejected().isEmpty(), () -> "nothing is dropped: " + o.rejected().stream().map(Sequencer.Rejection::reason).toList());
      Ledger l = f.reader().ledger();
      long first = Long.MAX_VALUE;
      long last = 0;
      for (Entry e : all) {
        long h = l.locate(e.id()).orElseThrow(() -> new AssertionError("not final: " + e.id())).height();
        first = Math.min(first, h);
        last = Math.max(last, h);
      }
      for (Entry e : real) {
        assertEquals(first, l.locate(e.id()).orElseThrow().height(), "honest registrations are in the first block");
      }
      for (long h = first; h <= last; h++) {
        long hostileHere = l.block(h).block().entries().stream().filter(flood::contains).count();
        assertTrue(hostileHere <= K, "block " + h + " holds " + hostileHere + " of the flood");
      }
      assertTrue(last - first + 1 >= 6, "the flood is spread over at least 6 blocks");
    }
  }
}

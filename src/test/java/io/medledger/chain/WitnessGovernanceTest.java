package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.storage.InMemoryBlockStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Witnesses are listed and delisted by governance entries with a federation quorum. */
class WitnessGovernanceTest {
  private final ChainFixture f = ChainFixture.builder().federationServers(4).build();
  private final Witness w1 = new Witness("witness.example/one", f.actor("w1").publicKey(), "https://w1.example/");
  private final Witness w2 = new Witness("witness.example/two", f.actor("w2").publicKey(), "http://127.0.0.1:8080/w");

  private void refused(Entry e, String why) {
    ValidationResult<Entry> r = f.ledger.checkEntry(e);
    assertTrue(!r.isAccepted() && r.reason().contains(why), r.toString());
  }

  @Test
  void governanceListsAndDelistsWitnessesAndTheLedgerKeepsTheHistory() {
    assertEquals(List.of(), f.ledger.witnesses());
    long before = f.ledger.height();
    f.commit(f.witnessChange(MembershipChange.Operation.ADD, w1), f.witnessChange(MembershipChange.Operation.ADD, w2));
    long listed = f.ledger.height();
    assertEquals(List.of(w1, w2), f.ledger.witnesses());
    f.commit(f.witnessChange(MembershipChange.Operation.REMOVE, w1));
    assertEquals(List.of(w2), f.ledger.witnesses());
    assertEquals(List.of(), f.ledger.witnessesAt(before));
    assertEquals(List.of(w1, w2), f.ledger.witnessesAt(listed));
    assertEquals(List.of(w2), f.ledger.witnessesAt(f.ledger.height()));
    assertThrows(IllegalArgumentException.class, () -> f.ledger.witnessesAt(f.ledger.height() + 1));
  }

  @Test
  void aReopenedLedgerRebuildsTheWitnessList() {
    f.commit(f.witnessChange(MembershipChange.Operation.ADD, w1));
    InMemoryBlockStore copy = new InMemoryBlockStore();
    for (long h = 0; h <= f.ledger.height(); h++) {
      copy.append(f.ledger.block(h).encode());
    }
    try (Ledger again = Ledger.builder(f.params).store(copy).clock(f.clock)
        .certificatePolicy(CertificatePolicy.auditQuorum()).open()) {
      assertEquals(List.of(w1), again.witnesses());
    }
  }

  @Test
  void changesNeedAQuorumAFreshNameAndKeyAndExactlyAListedWitness() {
    WitnessChange add = new WitnessChange(MembershipChange.Operation.ADD, w1, f.now(), List.of());
    refused(f.sign(add, f.federation.get(0)), "needs 3 federation server signatures, has 1");
    refused(f.sign(add, f.federation.get(0), f.federation.get(1), f.actor("outsider")), "not a federation server");
    f.commit(f.witnessChange(MembershipChange.Operation.ADD, w1));
    refused(f.witnessChange(MembershipChange.Operation.ADD, new Witness(w1.name(), w2.key(), w2.url())), "already uses");
    refused(f.witnessChange(MembershipChange.Operation.ADD, new Witness(w2.name(), w1.key(), w2.url())), "already uses");
    refused(f.witnessChange(MembershipChange.Operation.REMOVE, w2), "is not listed");
    refused(f.witnessChange(MembershipChange.Operation.REMOVE, new Witness(w1.name(), w1.key(), "https://other.example/")),
        "is not listed");
    assertTrue(f.ledger.checkEntry(f.witnessChange(MembershipChange.Operation.REMOVE, w1)).isAccepted());
  }

  @Test
  void theChainListsAtMostMaxWitnesses() {
    List<Entry> adds = new java.util.ArrayList<>();
    for (int i = 0; i < Limits.MAX_WITNESSES; i++) {
      adds.add(f.witnessChange(MembershipChange.Operation.ADD,
          new Witness("witness.example/w" + i, f.actor("wit-" + i).publicKey(), "https://w" + i + ".example/")));
    }
    f.commit(adds.toArray(new Entry[0]));
    assertEquals(Limits.MAX_WITNESSES, f.ledger.witnesses().size(), "the maximum itself is allowed");
    refused(f.witnessChange(MembershipChange.Operation.ADD, w1), "the chain already lists " + Limits.MAX_WITNESSES + " witnesses");
  }

  @Test
  void theGenesisBlockCannotListWitnesses() {
    ChainFixture g = ChainFixture.builder().genesis(false).build();
    List<Entry> entries = new java.util.ArrayList<>(g.genesisEntries());
    entries.add(g.sign(new WitnessChange(MembershipChange.Operation.ADD, w1, g.now(), List.of()), g.federation.get(0)));
    ValidationResult<VerifiedBlock> r = g.ledger.validate(g.rawBlock(entries));
    assertTrue(r.reason().contains("needs a federation quorum"), r.reason());
  }

  @Test
  void witnessChangesRoundTripAndBadFieldsAreRefused() {
    WitnessChange c = f.witnessChange(MembershipChange.Operation.REMOVE, w2);
    assertEquals(c, Entry.decode(c.encode()));
    assertEquals(c, Entry.fromJson(c.toJson()));
    for (String bad : new String[] {"", "has space", "a+b", "tab\tx"}) {
      assertThrows(IllegalArgumentException.class, () -> new Witness(bad, w1.key(), w1.url()), bad);
    }
    for (String bad : new String[] {"ftp://x/", "https://x/?q=1", "https://x/#f", "/relative", "https://u@x/",
        "https://x/" + "a".repeat(Witness.MAX_URL_BYTES)}) {
      assertThrows(IllegalArgumentException.class, () -> new Witness(w1.name(), w1.key(), bad), bad);
    }
    String json = c.toJson().replace("http://127.0.0.1:8080/w", "ftp://127.0.0.1/w");
    assertThrows(MalformedEncodingException.class, () -> Entry.fromJson(json));
  }
}

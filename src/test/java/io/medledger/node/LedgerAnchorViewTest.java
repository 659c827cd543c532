package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.LedgerAnchors;
import io.medledger.chain.Anchor;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a node keeps of the anchor entries on its ledger. */
class LedgerAnchorViewTest {
  @Test
  void anchorEntriesNotNamingTheLedgersCommitmentOrRepeatingOneAreNotKept() {
    // a hostile federation server fills blocks with anchor entries (each valid: it is an active
    // federation server, and each covers earlier blocks): every node kept every one in memory for
    // good, walked them all for each receipt and each anchoring turn, and took the highest height
    // any of them named as anchored
    ChainFixture f = ChainFixture.builder().federationServers(2).build();
    Actor server = f.federation.get(0);
    f.commit(f.registerPatient(f.actor("alice")));
    long anchored = f.ledger.height();
    f.commit(f.registerPatient(f.actor("bob")));
    long later = f.ledger.height();
    Digest real = LedgerAnchors.commitment(f.ledger.header(anchored)).digest();
    List<Entry> anchors = new ArrayList<>();
    anchors.add(f.sign(new Anchor(server.id(), ChainFixture.digest("tx"), real, 0, anchored, f.now(), List.of()), server));
    for (int i = 0; i < 500; i++) {
      anchors.add(f.sign(new Anchor(server.id(), ChainFixture.digest("tx " + i), ChainFixture.digest("no commitment " + i),
          0, later, f.now(), List.of()), server));
      anchors.add(f.sign(new Anchor(server.id(), ChainFixture.digest("copy " + i), real, 0, anchored, f.now(), List.of()),
          server));
    }
    // another server names the same commitment with another transaction: the ledger cannot tell
    // which transaction exists, so that entry is kept too
    Actor other = f.federation.get(1);
    anchors.add(f.sign(new Anchor(other.id(), ChainFixture.digest("other tx"), real, 0, anchored, f.now(), List.of()),
        other));
    f.commit(anchors);
    LedgerAnchorView view = new LedgerAnchorView(f.ledger);
    view.refresh();
    assertEquals(2, view.anchors().size());
    assertEquals(ChainFixture.digest("tx"), view.anchors().get(0).entry().txid());
    assertEquals(ChainFixture.digest("other tx"), view.anchors().get(1).entry().txid());
    assertEquals(2, view.above(anchored - 1).size());
    assertTrue(view.above(anchored).isEmpty());
    assertTrue(view.records(real, ChainFixture.digest("tx")));
    assertTrue(view.records(real, ChainFixture.digest("other tx")));
    assertTrue(!view.records(real, ChainFixture.digest("copy 3")), "a second entry of one submitter is not kept");
    assertEquals(List.of(ChainFixture.digest("tx"), ChainFixture.digest("other tx")),
        view.covering(anchored, 8).stream().map(r -> r.entry().txid()).toList());
    assertEquals(1, view.covering(anchored, 1).size());
    assertTrue(view.covering(later, 8).isEmpty());
  }
}

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
    ChainFixture f = ChainFixture.builder().build();
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
    f.commit(anchors);
    LedgerAnchorView view = new LedgerAnchorView(f.ledger);
    view.refresh();
    assertEquals(1, view.anchors().size());
    assertEquals(ChainFixture.digest("tx"), view.anchors().get(0).entry().txid());
    assertEquals(anchored, view.anchoredHeight());
    assertTrue(view.records(real));
    assertEquals(ChainFixture.digest("tx"), view.covering(anchored).orElseThrow().entry().txid());
    assertTrue(view.covering(later).isEmpty());
  }
}

package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.LedgerAnchors;
import io.medledger.chain.Anchor;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a node keeps of the anchor entries on its ledger. */
class LedgerAnchorViewTest {
  /** A ledger of two federation servers and one patient registered after genesis. */
  private static ChainFixture twoServersAndAPatient() {
    ChainFixture f = ChainFixture.builder().federationServers(2).build();
    f.commit(f.registerPatient(f.actor("alice")));
    return f;
  }

  /** The ledger's commitment at {@code height}. */
  private static Digest commitmentAt(ChainFixture f, long height) {
    return LedgerAnchors.commitment(f.ledger.header(height)).digest();
  }

  /** An anchor entry of {@code server} naming transaction {@code tx} for {@code commitment} of {@code height}. */
  private static Anchor anchor(ChainFixture f, Actor server, String tx, Digest commitment, long height) {
    return f.sign(new Anchor(server.id(), ChainFixture.digest(tx), commitment, 0, height, f.now(), List.of()), server);
  }

  /** A view of the whole ledger. */
  private static LedgerAnchorView viewOf(ChainFixture f) {
    LedgerAnchorView view = new LedgerAnchorView(f.ledger);
    view.refresh();
    return view;
  }

  private static List<Digest> txids(List<LedgerAnchorView.Recorded> rs) {
    return rs.stream().map(r -> r.entry().txid()).toList();
  }

  @Test
  void anchorEntriesNotNamingTheLedgersCommitmentOrRepeatingOneAreNotKept() {
    // a hostile federation server fills blocks with anchor entries (each valid: it is an active
    // federation server, and each covers earlier blocks): every node kept every one in memory for
    // good, walked them all for each receipt and each anchoring turn, and took the highest height
    // any of them named as anchored
    ChainFixture f = twoServersAndAPatient();
    Actor server = f.federation.get(0);
    long anchored = f.ledger.height();
    f.commit(f.registerPatient(f.actor("bob")));
    long later = f.ledger.height();
    Digest real = commitmentAt(f, anchored);
    List<Entry> anchors = new ArrayList<>();
    anchors.add(anchor(f, server, "tx", real, anchored));
    for (int i = 0; i < 500; i++) {
      anchors.add(anchor(f, server, "tx " + i, ChainFixture.digest("no commitment " + i), later));
      anchors.add(anchor(f, server, "copy " + i, real, anchored));
    }
    // another server names the same commitment with another transaction: the ledger cannot tell
    // which transaction exists, so that entry is kept too
    anchors.add(anchor(f, f.federation.get(1), "other tx", real, anchored));
    f.commit(anchors);
    LedgerAnchorView view = viewOf(f);
    List<Digest> kept = List.of(ChainFixture.digest("tx"), ChainFixture.digest("copy 0"), ChainFixture.digest("copy 1"),
        ChainFixture.digest("other tx"));
    assertEquals(kept, txids(view.anchors()),
        "at most " + LedgerAnchorView.PER_SUBMITTER + " transactions of one submitter per commitment");
    assertEquals(4, view.above(anchored - 1).size());
    assertTrue(view.above(anchored).isEmpty());
    assertTrue(view.records(real, ChainFixture.digest("tx")));
    assertTrue(view.records(real, ChainFixture.digest("other tx")));
    assertTrue(!view.records(real, ChainFixture.digest("copy 3")), "entries past the bound are not kept");
    assertEquals(List.of(ChainFixture.digest("tx"), ChainFixture.digest("other tx"), ChainFixture.digest("copy 0"),
        ChainFixture.digest("copy 1")), txids(view.covering(anchored, 8)), "in turns of their submitters");
    assertEquals(1, view.covering(anchored, 1).size());
    assertTrue(view.covering(later, 8).isEmpty());
  }

  /**
   * A federation server first records an anchor entry of a commitment naming a transaction that
   * does not exist, then the genuine one of the same commitment: the genuine one is kept, so the
   * node can prove it and the server sees its anchor recorded; the same claim twice is kept once.
   */
  @Test
  void aServersGenuineAnchorAfterItsMadeUpOneOfTheSameCommitmentIsKept() {
    ChainFixture f = twoServersAndAPatient();
    Actor server = f.federation.get(0);
    long anchored = f.ledger.height();
    Digest real = commitmentAt(f, anchored);
    for (int i = 0; i < 2; i++) { // the same claim twice, in entries made at different times
      f.commit(List.of(anchor(f, server, "made up", real, anchored)));
    }
    f.commit(List.of(anchor(f, server, "genuine", real, anchored)));
    LedgerAnchorView view = viewOf(f);
    assertTrue(view.records(real, ChainFixture.digest("genuine")), "the genuine anchor after the made-up one is kept");
    assertEquals(List.of(ChainFixture.digest("made up"), ChainFixture.digest("genuine")),
        txids(view.covering(anchored, 8)), "a repeated claim is kept once");
  }

  /**
   * One federation server records an anchor entry of every height, one block each (the ledger takes
   * them all: it is an active federation server and each covers earlier blocks): every entry passed
   * the anchoring turn and restarted the takeover time, so the server could steer the turn to
   * itself and keep it for as long as it went on recording, and nobody anchored. Now it passes the
   * turn once, and again only after another server passed one.
   */
  @Test
  void oneServerRecordingEntriesPassesTheTurnOnceUntilAnotherServerPassesOne() {
    ChainFixture f = twoServersAndAPatient();
    Actor liar = f.federation.get(0);
    Actor honest = f.federation.get(1);
    LedgerAnchorView view = viewOf(f);
    assertEquals(0, view.turns());
    assertEquals(f.ledger.header(0).timestamp(), view.sinceMillis(), "turns run from genesis");
    long first = f.commit(List.of(anchor(f, liar, "made up 0", commitmentAt(f, 0), 0))).header().timestamp();
    for (long h = 1; h < 10; h++) {
      f.commit(List.of(anchor(f, liar, "made up " + h, commitmentAt(f, h), h)));
    }
    view.refresh();
    assertEquals(10, view.anchors().size(), "every entry is kept, to be proven");
    assertEquals(1, view.turns(), "a server's entries after its first pass no further turn");
    assertEquals(first, view.sinceMillis(), "nor do they restart the takeover time");
    long genuine = f.commit(List.of(anchor(f, honest, "genuine", commitmentAt(f, 9), 9))).header().timestamp();
    f.commit(List.of(anchor(f, liar, "made up 10", commitmentAt(f, 10), 10)));
    f.commit(List.of(anchor(f, liar, "made up 11", commitmentAt(f, 11), 11)));
    view.refresh();
    assertEquals(3, view.turns(), "the other server's entry passes a turn, and then the first server's next one");
    assertTrue(view.sinceMillis() > genuine);
  }

  /**
   * One federation server records a made-up anchor entry of each of 20 heights before another
   * records the genuine anchor of the last: a receipt of an entry below them tried only the first 16
   * covering anchors in ledger order, all made up, so it stayed pending however long one waited
   * (the server can keep ahead, recording one entry per block). Now every server's first covering
   * anchor is among those tried.
   */
  @Test
  void aReceiptTriesEveryServersAnchorWhateverOneServerRecordedBeforeIt() {
    ChainFixture f = twoServersAndAPatient();
    Actor liar = f.federation.get(0);
    Actor honest = f.federation.get(1);
    Digest entry = f.ledger.block(f.ledger.height()).block().entries().get(0).id();
    long at = f.ledger.height();
    for (long h = at; h < at + 20; h++) {
      f.commit(List.of(anchor(f, liar, "made up " + h, commitmentAt(f, h), h)));
    }
    f.commit(List.of(anchor(f, honest, "genuine", commitmentAt(f, at + 19), at + 19)));
    LedgerAnchorView view = viewOf(f);
    List<Digest> tried = new ArrayList<>();
    Optional<AnchorReceipt> r = AnchoringService.receipt(f.ledger, view, entry, a -> {
      tried.add(a.entry().txid());
      return Optional.empty();
    });
    assertEquals(AnchoringService.RECEIPT_CANDIDATES, tried.size());
    assertTrue(tried.contains(ChainFixture.digest("genuine")), "the genuine anchor is tried");
    assertFalse(r.orElseThrow().isComplete(), "pending while no anchor is proven");
    assertEquals(at, r.get().commitment().height(), "under the first covering anchor");
  }
}

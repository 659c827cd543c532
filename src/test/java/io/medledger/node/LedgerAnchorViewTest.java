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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a node keeps of the anchor entries on its ledger. */
class LedgerAnchorViewTest {
  @TempDir Path dir;

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
  private LedgerAnchorView viewOf(ChainFixture f) {
    return viewIn(f, dir);
  }

  /** A view of the whole ledger keeping its entries in {@code directory}, refreshed. */
  private static LedgerAnchorView viewIn(ChainFixture f, Path directory) {
    LedgerAnchorView view = new LedgerAnchorView(f.ledger, directory);
    view.refresh();
    return view;
  }

  private static List<Digest> txids(List<LedgerAnchorView.Recorded> rs) {
    return rs.stream().map(LedgerAnchorView.Recorded::txid).toList();
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
    assertEquals(4, view.newestAbove(anchored - 1).size());
    assertTrue(view.newestAbove(anchored).isEmpty());
    assertTrue(view.records(anchored, real, ChainFixture.digest("tx")));
    assertTrue(view.records(anchored, real, ChainFixture.digest("other tx")));
    assertTrue(!view.records(anchored, real, ChainFixture.digest("copy 3")), "entries past the bound are not kept");
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
    assertTrue(view.records(anchored, real, ChainFixture.digest("genuine")), "the genuine anchor after the made-up one is kept");
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
      tried.add(a.txid());
      return Optional.empty();
    });
    assertEquals(AnchoringService.RECEIPT_CANDIDATES, tried.size());
    assertTrue(tried.contains(ChainFixture.digest("genuine")), "the genuine anchor is tried");
    assertFalse(r.orElseThrow().isComplete(), "pending while no anchor is proven");
    assertEquals(at, r.get().commitment().height(), "under the first covering anchor");
  }

  /** Elements held by the collection fields of {@code view} (the queue of observed blocks included). */
  private static long held(LedgerAnchorView view) throws IllegalAccessException {
    long n = 0;
    for (java.lang.reflect.Field field : LedgerAnchorView.class.getDeclaredFields()) {
      if (java.lang.reflect.Modifier.isStatic(field.getModifiers())) {
        continue;
      }
      field.setAccessible(true);
      Object v = field.get(view);
      n += v instanceof java.util.Collection<?> c ? c.size() : v instanceof java.util.Map<?, ?> m ? m.size() : 0;
    }
    return n;
  }

  /**
   * Two servers record three anchor entries each of every height for hundreds of blocks: a node kept
   * every entry in memory for good (and three sets about them) and walked them all for each receipt
   * and each poll. Now it holds a bounded number of them whatever the count, finds those covering
   * an old height on disk, and a new view (a restart) answers the same.
   */
  @Test
  void manyAnchorsHoldBoundedMemoryAndOldHeightsAreStillFoundAfterARestart() throws Exception {
    ChainFixture f = twoServersAndAPatient();
    Digest oldEntry = f.ledger.block(f.ledger.height()).block().entries().get(0).id();
    long oldHeight = f.ledger.height();
    int rounds = LedgerAnchorView.RECENT / 6 + 40;
    LedgerAnchorView view = viewOf(f);
    long most = 0;
    for (long h = 0; h < rounds; h++) {
      List<Entry> es = new ArrayList<>();
      for (Actor server : f.federation) {
        for (String copy : List.of("a", "b", "c")) {
          es.add(anchor(f, server, server.id() + " " + h + copy, commitmentAt(f, h), h));
        }
      }
      f.commit(es);
      if (h % 16 == 0) {
        view.refresh();
        most = Math.max(most, held(view));
      }
    }
    view.refresh();
    most = Math.max(most, held(view));
    assertEquals(6L * rounds, view.anchors().size(), "every entry is kept, on disk");
    assertTrue(most <= LedgerAnchorView.RECENT + 8, "held " + most + " elements for " + 6 * rounds + " entries");

    List<Digest> expected = new ArrayList<>();
    for (long h = oldHeight; expected.size() < 16; h++) {
      for (String copy : List.of("a", "b", "c")) {
        for (Actor server : f.federation) {
          expected.add(ChainFixture.digest(server.id() + " " + h + copy));
        }
      }
    }
    assertEquals(expected.subList(0, 16), txids(view.covering(oldHeight, 16)), "in turns of their submitters");
    Optional<AnchorReceipt> before = AnchoringService.receipt(f.ledger, view, oldEntry, a -> Optional.empty());
    assertEquals(oldHeight, before.orElseThrow().commitment().height(), "under the first anchor covering the entry");
    assertEquals(List.of(ChainFixture.digest(f.federation.get(1).id() + " " + (rounds - 1) + "c")),
        txids(view.newestAbove(rounds - 1 - 1).subList(0, 1)), "the newest entry first");
    assertTrue(view.records(5, commitmentAt(f, 5), ChainFixture.digest(f.federation.get(0).id() + " 5b")));
    assertFalse(view.records(5, commitmentAt(f, 5), ChainFixture.digest(f.federation.get(0).id() + " 6b")));

    LedgerAnchorView restarted = viewOf(f);
    assertEquals(view.turns(), restarted.turns());
    assertEquals(view.sinceMillis(), restarted.sinceMillis());
    assertEquals(txids(view.covering(oldHeight, 16)), txids(restarted.covering(oldHeight, 16)));
    assertEquals(before, AnchoringService.receipt(f.ledger, restarted, oldEntry, a -> Optional.empty()),
        "the same receipt after a restart");
    assertTrue(held(restarted) <= LedgerAnchorView.RECENT + 8);
  }

  /** A kept entry's record damaged on disk is refused naming the file, never read as another entry. */
  @Test
  void aDamagedEntryFileIsRefusedNamingIt() throws Exception {
    ChainFixture f = twoServersAndAPatient();
    long anchored = f.ledger.height();
    f.commit(List.of(anchor(f, f.federation.get(0), "tx", commitmentAt(f, anchored), anchored)));
    LedgerAnchorView view = viewOf(f);
    assertEquals(1, view.covering(anchored, 16).size());
    Path file;
    try (var files = java.nio.file.Files.list(dir)) {
      file = files.filter(p -> p.toString().endsWith(LedgerAnchorView.SUFFIX)).findFirst().orElseThrow();
    }
    byte[] b = java.nio.file.Files.readAllBytes(file);
    b[60] ^= 1; // a bit of the transaction id
    java.nio.file.Files.write(file, b);
    io.medledger.codec.MalformedEncodingException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.medledger.codec.MalformedEncodingException.class, () -> view.covering(anchored, 16));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertEquals(1, viewOf(f).covering(anchored, 16).size(), "a new view rebuilds the file from the ledger");
  }
  /** What a view answers, to compare two views of one ledger. */
  private static List<Object> answers(LedgerAnchorView v, ChainFixture f) {
    long tip = f.ledger.height();
    List<Object> out = new ArrayList<>();
    out.add(v.anchors());
    out.add(v.turns());
    out.add(v.sinceMillis());
    out.add(v.lastSubstantiveHeight());
    out.add(v.newestAbove(-1));
    for (long h = 0; h <= tip; h++) {
      out.add(v.covering(h, 8));
    }
    for (LedgerAnchorView.Recorded r : v.anchors()) {
      out.add(v.recentlyRecords(r.commitment(), r.txid()));
    }
    return out;
  }

  /** A ledger whose anchor entries pass turns from both servers, with blocks of other entries among them. */
  private static ChainFixture anchoredLedger() {
    ChainFixture f = twoServersAndAPatient();
    for (long h = 0; h < 12; h++) {
      Actor server = f.federation.get((int) (h / 3) % 2);
      f.commit(List.of(anchor(f, server, "tx " + h, commitmentAt(f, h), h)));
      if (h % 4 == 0) {
        f.commit(f.registerPatient(f.actor("patient " + h)));
      }
    }
    return f;
  }

  /**
   * A node restarted with a long ledger read every block again to rebuild its anchor entries
   * before its first receipt or anchoring turn. Now the view saves how far it got, and a new view
   * reads only the blocks after that, answering as one that read them all.
   */
  @Test
  void aRestartReadsOnlyTheBlocksAfterTheSavedProgress() throws Exception {
    ChainFixture f = anchoredLedger();
    Path kept = dir.resolve("kept");
    LedgerAnchorView view = viewIn(f, kept);
    assertEquals(f.ledger.height() + 1, view.blocksRead(), "a first view reads the whole ledger");
    view.save();
    f.commit(List.of(anchor(f, f.federation.get(1), "after", commitmentAt(f, 3), 3)));
    f.commit(f.registerPatient(f.actor("late")));

    LedgerAnchorView restarted = viewIn(f, kept);
    assertEquals(2, restarted.blocksRead(), "only the blocks after the saved progress");
    assertEquals(answers(viewIn(f, dir.resolve("full")), f), answers(restarted, f));
  }

  /**
   * A node killed while it saved or appended, or a progress file altered by someone else: a view
   * trusting it would answer from a wrong state. Each is found, and leads to a full read of the
   * ledger (or, for entries appended after the save, to those cut off and their blocks read again);
   * the answers are always those of a view that read every block.
   */
  @Test
  void aTornOrAlteredProgressFileLeadsToAFullReadNeverToAWrongView() throws Exception {
    ChainFixture f = anchoredLedger();
    Path kept = dir.resolve("kept");
    LedgerAnchorView first = viewIn(f, kept);
    first.save();
    long savedAt = f.ledger.height();
    Path progress = kept.resolve(LedgerAnchorView.PROGRESS);
    byte[] good = java.nio.file.Files.readAllBytes(progress);
    java.util.Map<Path, byte[]> entryFiles = new java.util.HashMap<>();
    try (var files = java.nio.file.Files.list(kept)) {
      for (Path p : files.filter(p -> p.toString().endsWith(LedgerAnchorView.SUFFIX)).toList()) {
        entryFiles.put(p, java.nio.file.Files.readAllBytes(p));
      }
    }
    assertEquals(2, entryFiles.size());
    // entries of later blocks appended, then a kill before the next save (and a save cut short)
    f.commit(List.of(anchor(f, f.federation.get(0), "later", commitmentAt(f, 5), 5)));
    f.commit(List.of(anchor(f, f.federation.get(1), "later too", commitmentAt(f, 6), 6)));
    first.refresh();
    java.nio.file.Files.write(kept.resolve("." + LedgerAnchorView.PROGRESS + ".123.tmp"), new byte[] {1, 2, 3});
    List<Object> expected = answers(viewIn(f, dir.resolve("full")), f);

    LedgerAnchorView afterKill = viewIn(f, kept);
    assertEquals(f.ledger.height() - savedAt, afterKill.blocksRead(), "the appended entries are cut off and read again");
    assertEquals(expected, answers(afterKill, f));

    List<byte[]> progresses = new ArrayList<>();
    for (int cut : new int[] {0, 1, 40, good.length / 2, good.length - 1}) {
      progresses.add(java.util.Arrays.copyOf(good, cut)); // torn
    }
    for (int bit = 0; bit < good.length * 8; bit += 13) {
      byte[] flipped = good.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      progresses.add(flipped);
    }
    byte[] longer = java.util.Arrays.copyOf(good, good.length + 72);
    progresses.add(longer);
    // hostile, with a good checksum: another height, more records than saved, turns beyond the entries
    progresses.add(withChecksum(good, 5, 1L));
    progresses.add(withChecksum(good, 5, savedAt + 100));
    progresses.add(withChecksum(good, 5 + 8 + 32, 1000L));
    progresses.add(withChecksum(good, 5 + 8 + 32 + 8 + 8 + 8 + 1 + 32 + 4 + 32, 3L));
    for (int i = 0; i < progresses.size(); i++) {
      java.nio.file.Files.write(progress, progresses.get(i));
      for (var e : entryFiles.entrySet()) {
        java.nio.file.Files.write(e.getKey(), e.getValue());
      }
      LedgerAnchorView v = viewIn(f, kept);
      assertEquals(f.ledger.height() + 1, v.blocksRead(), "progress variant " + i + " is not used");
      assertEquals(expected, answers(v, f), "progress variant " + i);
    }
    // the progress intact, an entry file altered (each record checks, but not the one saved)
    Path altered = entryFiles.keySet().iterator().next();
    byte[] other = entryFiles.get(altered);
    java.nio.file.Files.write(progress, good);
    java.nio.file.Files.write(altered, java.util.Arrays.copyOf(other, other.length - RecordedAnchorFile.RECORD));
    LedgerAnchorView v = viewIn(f, kept);
    assertEquals(f.ledger.height() + 1, v.blocksRead(), "an entry file cut short is found");
    assertEquals(expected, answers(v, f));
  }

  /**
   * The progress file is read when the node starts: one that is a symbolic link was followed (to a
   * file out of the node's directory, or to /dev/zero, read until memory ran out), and a named pipe
   * was opened and waited on for a writer, with the node's start. Neither is used: the view reads
   * the whole ledger, and the link or pipe goes (not what a link points at).
   */
  @Test
  void aProgressFileThatIsALinkOrAPipeIsNotReadButTheLedgerIs() throws Exception {
    ChainFixture f = anchoredLedger();
    Path kept = dir.resolve("kept");
    viewIn(f, kept).save();
    Path progress = kept.resolve(LedgerAnchorView.PROGRESS);
    Path outside = java.nio.file.Files.move(progress, dir.resolve("elsewhere"));
    byte[] good = java.nio.file.Files.readAllBytes(outside);
    List<Object> expected = answers(viewIn(f, dir.resolve("full")), f);

    java.nio.file.Files.createSymbolicLink(progress, outside);
    LedgerAnchorView linked = viewIn(f, kept);
    assertEquals(f.ledger.height() + 1, linked.blocksRead(), "a link is not followed");
    assertEquals(expected, answers(linked, f));
    assertFalse(java.nio.file.Files.isSymbolicLink(progress), "the link goes");
    assertTrue(java.util.Arrays.equals(good, java.nio.file.Files.readAllBytes(outside)), "what it pointed at stays");

    java.nio.file.Files.deleteIfExists(progress);
    org.junit.jupiter.api.Assumptions.assumeTrue(io.medledger.testing.TestFiles.fifo(progress), "mkfifo");
    LedgerAnchorView piped = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
        () -> viewIn(f, kept), "a pipe is not opened");
    assertEquals(f.ledger.height() + 1, piped.blocksRead());
    assertEquals(expected, answers(piped, f));
  }

  /** {@code bytes} with the long at {@code offset} set to {@code value} and the checksum made good again. */
  private static byte[] withChecksum(byte[] bytes, int offset, long value) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes.clone());
    b.putLong(offset, value);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b.array(), 0, bytes.length - 4);
    b.putInt(bytes.length - 4, (int) crc.getValue());
    return b.array();
  }
}

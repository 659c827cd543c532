package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.crypto.Digest;
import io.medledger.merkle.MerkleLog;
import io.medledger.tlog.Checkpoint;
import io.medledger.tlog.CheckpointStore;
import io.medledger.tlog.NoteKeyBinding;
import io.medledger.tlog.NoteSignature;
import io.medledger.tlog.NoteSigner;
import io.medledger.tlog.SignedNote;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A federation server merges only what a current federation server signed for its own log. */
class CheckpointServiceTest {
  @TempDir
  Path dir;

  private final MerkleLog log = new MerkleLog();
  private final ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(1).log(log).build();
  private final LocalNetwork network = new LocalNetwork();
  private CheckpointService a;
  private CheckpointService b;
  private long size;

  @BeforeEach
  void publish() throws Exception {
    f.commit(f.registerPatient(f.actor("alice")));
    a = service(f.federation.get(0), "a");
    b = service(f.federation.get(1), "b");
    a.committed(f.ledger.tip().orElseThrow());
    b.committed(f.ledger.tip().orElseThrow());
    a.drain();
    b.drain();
    size = f.ledger.tip().orElseThrow().ledgerSize();
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  private CheckpointService service(Actor server, String name) {
    return new CheckpointService(f.ledger, log, CheckpointStore.open(dir.resolve(name)),
        network.attach(server.publicKey()), Optional.of(server.key()));
  }

  private SignedNote aNote() {
    return a.store().at(size).orElseThrow();
  }

  private int signaturesAtB() {
    return b.store().at(size).orElseThrow().signatures().size();
  }

  private void deliver(Actor from, byte[] payload) throws InterruptedException {
    b.received(from.publicKey(), payload);
    b.drain();
  }

  /**
   * A latest checkpoint on disk that this log cannot have produced (of another origin, or with a
   * root that is not the log's at its size) is refused when the service starts, naming the file; one
   * ahead of the log (peers' notes kept before a crash lost blocks that were not yet durable) is not.
   */
  @Test
  void aStoredLatestCheckpointThatIsNotOfThisLogIsRefusedAtStart() throws Exception {
    SignedNote stored = a.store().latest().orElseThrow();
    Checkpoint c = Checkpoint.parse(stored.text());
    Path file = dir.resolve("a").resolve(CheckpointStore.LATEST);
    Digest other = Digest.of(new byte[32]);
    for (Checkpoint bad : List.of(new Checkpoint(c.origin(), c.size(), other), new Checkpoint(c.origin(), c.size() - 1, c.root()),
        new Checkpoint("another.example/log", c.size(), c.root()))) {
      java.nio.file.Files.write(file, new SignedNote(bad.text(), stored.signatures()).toBytes());
      NodeException e = org.junit.jupiter.api.Assertions.assertThrows(NodeException.class, () -> restartA());
      assertEquals(NodeException.Reason.DATA_DIRECTORY, e.reason());
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
    java.nio.file.Files.write(file, new SignedNote(new Checkpoint(c.origin(), c.size() + 5, other).text(), stored.signatures()).toBytes());
    restartA().close();
  }

  /**
   * A latest checkpoint file cut short or zero-filled (by a disk, or a file system that lost the
   * order of its writes) is refused at start as a damaged data directory naming the file and what
   * to do, not as a corrupted block store; once it is deleted the service starts.
   */
  @Test
  void aDamagedLatestCheckpointIsRefusedAtStartNamingTheFileAndTheRemedy() throws Exception {
    Path file = dir.resolve("a").resolve(CheckpointStore.LATEST);
    byte[] whole = java.nio.file.Files.readAllBytes(file);
    for (byte[] damaged : List.of(new byte[0], java.util.Arrays.copyOf(whole, whole.length / 2), new byte[whole.length])) {
      java.nio.file.Files.write(file, damaged);
      NodeException e = org.junit.jupiter.api.Assertions.assertThrows(NodeException.class, () -> restartA());
      assertEquals(NodeException.Reason.DATA_DIRECTORY, e.reason());
      assertTrue(e.getMessage().contains(file + " is damaged") && e.getMessage().contains("delete it")
          && !e.getMessage().contains("block store"), e.getMessage());
    }
    java.nio.file.Files.delete(file);
    restartA().close();
  }

  /**
   * The verifier keys file (derived from the servers' bindings and the chain's witnesses) cut
   * short or zero-filled: every signing then failed when it compared the keys with the file, after
   * signing and before sending the checkpoint to the peers and witnesses, so a server stopped
   * sharing its checkpoints for good with only a warning per block. It is written again instead.
   */
  @Test
  void aDamagedVerifierKeysFileIsWrittenAgainAndTheServerGoesOnSendingItsCheckpoints() throws Exception {
    Path file = dir.resolve("a").resolve(CheckpointStore.VKEYS);
    byte[] whole = java.nio.file.Files.readAllBytes(file);
    a.close();
    for (byte[] damaged : List.of(java.util.Arrays.copyOf(whole, whole.length / 2), new byte[whole.length])) {
      java.nio.file.Files.write(file, damaged);
      LocalNetwork net = new LocalNetwork();
      Actor server = f.federation.get(0);
      Actor peer = f.federation.get(1);
      java.util.concurrent.BlockingQueue<byte[]> sent = new java.util.concurrent.LinkedBlockingQueue<>();
      PeerTransport listener = net.attach(peer.publicKey());
      listener.setReceiver((from, frame) -> sent.add(frame));
      listener.updatePeers(java.util.Map.of(server.publicKey(), new PeerAddress("127.0.0.1", 1)));
      PeerTransport own = net.attach(server.publicKey());
      own.updatePeers(java.util.Map.of(peer.publicKey(), new PeerAddress("127.0.0.1", 2)));
      CheckpointService again = new CheckpointService(f.ledger, log, CheckpointStore.open(dir.resolve("a")), own,
          Optional.of(server.key()), Duration.ZERO);
      try {
        f.commit(f.registerPatient(f.actor("bob-" + damaged[0])));
        again.committed(f.ledger.tip().orElseThrow());
        again.drain();
        assertTrue(sent.poll(5, java.util.concurrent.TimeUnit.SECONDS) != null, "the checkpoint was sent to the peer");
        assertTrue(again.store().verifierKeys().contains(again.binding().orElseThrow().noteKey()), "written again");
      } finally {
        again.close();
        own.close();
        listener.close();
      }
    }
  }

  /** The note key derived from a federation server's ledger key is wiped when its service closes. */
  @Test
  void closingTheServiceDestroysItsNoteKey() {
    NoteSigner signer = a.noteSigner().orElseThrow();
    assertFalse(signer.isDestroyed());
    a.close();
    assertTrue(signer.isDestroyed());
    assertThrows(IllegalStateException.class, () -> signer.sign("text\n"));
    assertFalse(f.federation.get(0).key().isDestroyed(), "the ledger key is the node's to destroy");
  }

  /** Server a's service again over its store, as at a restart. */
  private CheckpointService restartA() {
    Actor server = f.federation.get(0);
    return new CheckpointService(f.ledger, log, CheckpointStore.open(dir.resolve("a")),
        new LocalNetwork().attach(server.publicKey()), Optional.of(server.key()));
  }

  /**
   * A federation server signs the block that opens a new interval at once, a block inside its
   * parent's interval only when no newer block followed it within the interval, and a tip at start.
   */
  @Test
  void aServerSignsTheBlockThatOpensAnIntervalAndAQuietTip() throws Exception {
    Duration interval = Duration.ofMillis(300);
    CheckpointService c = new CheckpointService(f.ledger, log, CheckpointStore.open(dir.resolve("cadence")),
        network.attach(f.federation.get(2).publicKey()), Optional.of(f.federation.get(2).key()), interval);
    try {
      // the fixture's blocks lie 1 s apart: each opens an interval of 300 ms and is signed at once
      f.clock.set(f.clock.millis() / 1000 * 1000 + 10_000);
      BlockHeader opens = f.commit(f.registerPatient(f.actor("carol"))).header();
      c.committed(opens);
      c.drain();
      assertTrue(c.store().at(opens.ledgerSize()).isPresent(), "the block that opens an interval is signed");
      // two blocks inside that block's interval: the first is followed by the second, so never signed
      f.clock.set(opens.timestamp() + 50);
      BlockHeader inside = f.commit(f.registerPatient(f.actor("dave"))).header();
      f.clock.set(opens.timestamp() + 100);
      BlockHeader tip = f.commit(f.registerPatient(f.actor("erin"))).header();
      assertEquals(Math.floorDiv(opens.timestamp(), 300), Math.floorDiv(tip.timestamp(), 300), "fixture");
      c.committed(inside);
      c.committed(tip);
      c.drain();
      assertTrue(c.store().at(inside.ledgerSize()).isEmpty(), "a block inside its parent's interval was signed at once");
      assertTrue(c.store().at(tip.ledgerSize()).isEmpty(), "a block inside its parent's interval was signed at once");
      // a peer's note for the tip arrives first and is merged; it does not stand for this server's own
      a.started(tip);
      a.drain();
      c.received(f.federation.get(0).publicKey(), CheckpointService.payload(a.binding().orElseThrow(),
          a.store().at(tip.ledgerSize()).orElseThrow()));
      c.drain();
      assertEquals(1, c.store().at(tip.ledgerSize()).orElseThrow().signatures().size());
      // the tip, with no newer block, is signed once the interval has passed
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (c.store().at(tip.ledgerSize()).orElseThrow().signatures().size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(2, c.store().at(tip.ledgerSize()).orElseThrow().signatures().size(), "the quiet tip was never signed");
      assertTrue(c.store().at(inside.ledgerSize()).isEmpty(), "a block that a newer one followed was signed");
    } finally {
      c.close();
    }
    // at start, the tip is signed at once whatever its timestamp
    CheckpointService d = service(f.federation.get(3), "d");
    try {
      d.started(f.ledger.tip().orElseThrow());
      d.drain();
      assertTrue(d.store().at(f.ledger.tip().orElseThrow().ledgerSize()).isPresent());
    } finally {
      d.close();
    }
  }

  /**
   * Closing a server that holds a quiet tip's signature for later (an interval of a minute here)
   * cancels it and returns at once: the executor ran delayed work after shutdown, so close waited
   * for the tip to come due, up to its 5 s bound. The tip's signature is due a minute on, so a
   * close within a few seconds is far from timing-sensitive.
   */
  @Test
  void closeDoesNotWaitForAQuietTipsSignatureThatIsDueLater() throws Exception {
    Duration interval = Duration.ofMinutes(1);
    CheckpointService c = new CheckpointService(f.ledger, log, CheckpointStore.open(dir.resolve("quiet")),
        network.attach(f.federation.get(2).publicKey()), Optional.of(f.federation.get(2).key()), interval);
    long elapsed;
    try {
      f.clock.set(f.clock.millis() / interval.toMillis() * interval.toMillis() + 1_000);
      BlockHeader opens = f.commit(f.registerPatient(f.actor("frank"))).header();
      f.clock.set(opens.timestamp() + 50);
      BlockHeader tip = f.commit(f.registerPatient(f.actor("grace"))).header();
      assertEquals(Math.floorDiv(opens.timestamp(), interval.toMillis()),
          Math.floorDiv(tip.timestamp(), interval.toMillis()), "fixture: the tip lies inside its parent's interval");
      c.committed(tip);
      c.drain();
      assertTrue(c.store().at(tip.ledgerSize()).isEmpty(), "control: the tip's signature waits for the interval");
    } finally {
      long start = System.nanoTime();
      c.close();
      elapsed = System.nanoTime() - start;
    }
    assertTrue(elapsed < Duration.ofSeconds(3).toNanos(), "close took " + elapsed / 1_000_000 + " ms");
    assertTrue(c.noteSigner().orElseThrow().isDestroyed(), "the note key is destroyed on close");
  }

  /**
   * A server's note for a size this node has not reached is held (one per server); the server is
   * then voted out: its note went only once the log reached that size, never for a size beyond the
   * chain, so each removed server could leave one behind for good.
   */
  @Test
  void aRemovedServersNoteForASizeNotReachedGoesWithIt() throws Exception {
    Actor gone = f.federation.get(2);
    NoteSigner signer = NoteSigner.forServer(f.ledger.parameters().chainId(), gone.key());
    String text = new Checkpoint(Checkpoint.originOf(f.ledger.parameters().chainId()), 1L << 40,
        io.medledger.crypto.Sha256.hash(new byte[] {7})).text();
    deliver(gone, CheckpointService.payload(NoteKeyBinding.create(gone.key(), signer.verifierKey()),
        new SignedNote(text, List.of(signer.sign(text)))));
    assertEquals(1, b.earlyNotes(), "held until the log reaches its size");
    f.commit(f.membership(io.medledger.chain.MembershipChange.Operation.REMOVE,
        io.medledger.access.ParticipantKind.FEDERATION_SERVER, gone, null));
    b.started(f.ledger.tip().orElseThrow());
    b.drain();
    assertEquals(0, b.earlyNotes(), "a server the federation no longer lists leaves nothing behind");
  }

  /** Delivers a's note to b, which takes a's binding and records its note key; a's binding. */
  private NoteKeyBinding mergeANote() throws InterruptedException {
    NoteKeyBinding binding = a.binding().orElseThrow();
    deliver(f.federation.get(0), CheckpointService.payload(binding, aNote()));
    assertTrue(b.store().verifierKeys().contains(binding.noteKey()));
    return binding;
  }

  /** Removes {@code server} from the federation by a committed membership change. */
  private void removeServer(Actor server) {
    f.commit(f.membership(io.medledger.chain.MembershipChange.Operation.REMOVE,
        io.medledger.access.ParticipantKind.FEDERATION_SERVER, server, null));
  }

  /**
   * A server whose checkpoint was merged is voted out: its binding stayed in memory and its line
   * in the verifier keys for good. Both go; the checkpoint it signed while a member keeps its line,
   * which vouches for nothing any more: the note is verified by the current servers' signatures.
   */
  @Test
  void aRemovedServersBindingAndVerifierKeyGoAndItsOldSignatureCountsForNothing() throws Exception {
    Actor gone = f.federation.get(0);
    NoteKeyBinding goneBinding = mergeANote();
    removeServer(gone);
    b.committed(f.ledger.tip().orElseThrow());
    b.drain();
    assertFalse(b.bindings().stream().anyMatch(x -> x.ledgerKey().equals(gone.publicKey())), "binding kept");
    assertFalse(b.store().verifierKeys().contains(goneBinding.noteKey()), "verifier key kept");
    assertTrue(b.store().verifierKeys().contains(b.binding().orElseThrow().noteKey()));

    SignedNote old = b.store().at(size).orElseThrow();
    assertEquals(2, old.signatures().size(), "the line signed while a member stays in the stored note");
    Digest chain = f.ledger.parameters().chainId();
    List<io.medledger.crypto.Ed25519PublicKey> federation = f.ledger.membership().federationKeys();
    long now = System.currentTimeMillis() / 1000;
    List<NoteKeyBinding> offered = new java.util.ArrayList<>(b.bindings());
    offered.add(goneBinding); // a verifier handed the departed server's binding too
    assertTrue(io.medledger.tlog.CheckpointVerifier.forFederation(chain, federation, offered, 1).verify(old, now)
        .isVerified(), "verified by the current servers' signatures");
    SignedNote onlyGone = new SignedNote(old.text(),
        old.signatures().stream().filter(goneBinding.noteKey()::matches).toList());
    assertFalse(io.medledger.tlog.CheckpointVerifier.forFederation(chain, federation, offered, 1).verify(onlyGone, now)
        .isVerified(), "a departed server's signature alone vouches for nothing");
  }

  /** A server removed while a node was down: its line in the verifier keys stayed after the restart. */
  @Test
  void aServerRemovedWhileTheNodeWasDownLeavesNoVerifierKeyAfterARestart() throws Exception {
    Actor gone = f.federation.get(0);
    NoteKeyBinding goneBinding = mergeANote();
    b.close();
    removeServer(gone);
    PeerTransport own = new LocalNetwork().attach(f.federation.get(1).publicKey());
    b = new CheckpointService(f.ledger, log, CheckpointStore.open(dir.resolve("b")), own,
        Optional.of(f.federation.get(1).key()));
    try {
      assertFalse(b.store().verifierKeys().contains(goneBinding.noteKey()), "dropped on start");
      assertTrue(b.store().verifierKeys().contains(b.binding().orElseThrow().noteKey()), "its own stays");
    } finally {
      b.close();
      own.close();
    }
  }

  @Test
  void aPeersValidSignatureIsMerged() throws Exception {
    assertEquals(1, signaturesAtB());
    deliver(f.federation.get(0), CheckpointService.payload(a.binding().orElseThrow(), aNote()));
    assertEquals(2, signaturesAtB());
    assertTrue(b.bindings().stream().anyMatch(x -> x.noteKey().equals(a.binding().orElseThrow().noteKey())));
    assertTrue(b.store().verifierKeys().contains(a.binding().orElseThrow().noteKey()));
  }

  @Test
  void aForwardedNoteIsCheckedForItsNewLinesOnly() throws Exception {
    deliver(f.federation.get(0), CheckpointService.payload(a.binding().orElseThrow(), aNote()));
    assertEquals(2, signaturesAtB());
    SignedNote merged = b.store().at(size).orElseThrow();
    // every line already stored: nothing changes
    deliver(f.federation.get(0), CheckpointService.payload(a.binding().orElseThrow(), merged));
    assertEquals(2, signaturesAtB());
    // a third server's valid line beside the stored ones is merged
    CheckpointService c = service(f.federation.get(2), "c");
    try {
      c.committed(f.ledger.tip().orElseThrow());
      c.drain();
      NoteSignature cLine = c.store().at(size).orElseThrow().signatures().get(0);
      byte[] bad = cLine.signature();
      bad[12] ^= 1;
      NoteSignature forged = new NoteSignature(cLine.keyName(), cLine.keyId(), bad);
      // its binding becomes known with a note of its own line; then a forged line of that key,
      // forwarded beside stored lines, is still checked and refuses the note
      deliver(f.federation.get(2), CheckpointService.payload(c.binding().orElseThrow(),
          new SignedNote(merged.text(), List.of(merged.signatures().get(0), merged.signatures().get(1), forged))));
      assertEquals(2, signaturesAtB(), "a forged new line beside stored ones was merged");
      deliver(f.federation.get(2), CheckpointService.payload(c.binding().orElseThrow(),
          new SignedNote(merged.text(), List.of(merged.signatures().get(0), merged.signatures().get(1), cLine))));
      assertEquals(3, signaturesAtB());
    } finally {
      c.close();
    }
  }

  @Test
  void hostileCheckpointFramesChangeNothing() throws Exception {
    byte[] valid = CheckpointService.payload(a.binding().orElseThrow(), aNote());
    // from another federation server than the binding names
    deliver(f.federation.get(2), valid);
    // from a key that is not a federation server
    deliver(f.auditors.get(0), valid);
    // garbage, an empty frame, a binding line without a note
    deliver(f.federation.get(0), "not a checkpoint".getBytes(StandardCharsets.UTF_8));
    deliver(f.federation.get(0), new byte[0]);
    deliver(f.federation.get(0), (a.binding().orElseThrow().encode() + "\n").getBytes(StandardCharsets.UTF_8));
    // a flipped byte in the signature
    NoteSignature s = aNote().signatures().get(0);
    byte[] sig = s.signature();
    sig[10] ^= 1;
    deliver(f.federation.get(0), CheckpointService.payload(a.binding().orElseThrow(),
        new SignedNote(aNote().text(), List.of(new NoteSignature(s.keyName(), s.keyId(), sig)))));
    // a binding not signed by the sender's ledger key
    NoteSigner other = NoteSigner.forServer(f.params.chainId(), f.actor("mallory").key());
    NoteKeyBinding forged = new NoteKeyBinding(f.federation.get(0).publicKey(), other.verifierKey(),
        a.binding().orElseThrow().signature());
    deliver(f.federation.get(0), CheckpointService.payload(forged, aNote()));
    // a properly signed checkpoint of another root for the same size: a split view
    Checkpoint wrong = new Checkpoint(Checkpoint.originOf(f.params.chainId()), size, Digest.of(new byte[32]));
    NoteSigner aSigner = NoteSigner.forServer(f.params.chainId(), f.federation.get(0).key());
    deliver(f.federation.get(0), CheckpointService.payload(a.binding().orElseThrow(),
        new SignedNote(wrong.text(), List.of(aSigner.sign(wrong.text())))));
    assertEquals(1, signaturesAtB(), "nothing was merged");
    assertEquals(Checkpoint.parse(b.store().latest().orElseThrow().text()).root(), f.ledger.tip().orElseThrow().ledgerRoot());
    // and the valid frame is still merged afterwards
    deliver(f.federation.get(0), valid);
    assertEquals(2, signaturesAtB());
  }

  @Test
  void aRepeatedBindingWithAnAlteredSignatureIsStillRefused() throws Exception {
    NoteKeyBinding good = a.binding().orElseThrow();
    // the valid binding becomes known (with a note of a split view, which is not merged)
    Checkpoint wrong = new Checkpoint(Checkpoint.originOf(f.params.chainId()), size, Digest.of(new byte[32]));
    NoteSigner aSigner = NoteSigner.forServer(f.params.chainId(), f.federation.get(0).key());
    deliver(f.federation.get(0), CheckpointService.payload(good, new SignedNote(wrong.text(), List.of(aSigner.sign(wrong.text())))));
    assertEquals(1, signaturesAtB());
    // the same ledger and note keys with an altered binding signature: verified again, and refused
    byte[] sig = good.signature();
    sig[5] ^= 1;
    deliver(f.federation.get(0), CheckpointService.payload(new NoteKeyBinding(good.ledgerKey(), good.noteKey(), sig), aNote()));
    assertEquals(1, signaturesAtB(), "a note under an unverified binding was merged");
    deliver(f.federation.get(0), CheckpointService.payload(good, aNote()));
    assertEquals(2, signaturesAtB());
  }
}

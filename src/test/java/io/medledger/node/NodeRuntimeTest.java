package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.Entry;
import io.medledger.chain.PatientRegistration;
import io.medledger.crypto.Ed25519PrivateKey;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes of a testnet layout in one JVM over {@link LocalPeerTransport}: batching, finality, refusal, restart. */
class NodeRuntimeTest {
  @TempDir
  Path dir;

  private final List<Node> nodes = new ArrayList<>();
  private final LocalNetwork network = new LocalNetwork();
  private static final SecureRandom RANDOM = new SecureRandom();

  @AfterEach
  void closeAll() {
    nodes.forEach(Node::close);
  }

  static Testnet.Options options(int fed, int audit, int storage) {
    return new Testnet.Options("runtime-test", fed, audit, storage, 0,
        new NodeConfig.ConsensusSettings("rotating-audit", Duration.ofMillis(500), Duration.ofMillis(200), 500, 4 << 20,
            Duration.ofMillis(10), 100_000));
  }

  private Node start(Path nodeDir) {
    return start(nodeDir, network);
  }

  private Node start(Path nodeDir, LocalNetwork net) {
    Node n = open(nodeDir, net);
    nodes.add(n);
    return n;
  }

  /** Starts the node of testnet directory {@code nodeDir} on {@code net}, with its own configuration and keys. */
  static Node open(Path nodeDir, LocalNetwork net) {
    return open(nodeDir, net, NodeMetrics.NONE);
  }

  private static Node open(Path nodeDir, LocalNetwork net, NodeMetrics metrics) {
    NodeConfig c = NodeConfig.read(nodeDir.resolve("node.json"));
    NodeKeys k = NodeKeys.open(c.dataDirectory().resolve(NodeKeys.FILE_NAME), NodeKeys.passphrase(c.keySource()));
    return Node.start(c, k, net.attach(k.ledgerKey()), true, metrics);
  }

  /**
   * Counts a node's sweeps of its pending submissions (each sweep reports the peers), so that a
   * test can check that nothing settled a submission by a known later point, not after a sleep.
   */
  static final class Sweeps implements NodeMetrics {
    private final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public void peers(int connected, int configured) {
      count.incrementAndGet();
    }

    /** Waits until the node has finished {@code more} (at least 2) sweeps after the call began. */
    void awaitMore(int more) throws InterruptedException {
      long from = count.get();
      waitFor(() -> count.get() >= from + more, more + " more sweeps");
    }
  }

  /** The signing key of the testnet's first institution, a registrar of patients. */
  static Ed25519PrivateKey registrar(Testnet.Layout t) {
    return NodeKeys.open(t.directory().resolve("institutions").resolve("institution-1.json"),
        NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase()))).ledgerSecretKey();
  }

  /** A patient registration under a fresh key, countersigned by {@code registrar}. */
  static Entry patient(io.medledger.crypto.Digest chainId, Ed25519PrivateKey registrar) {
    Ed25519PrivateKey k = Ed25519PrivateKey.generate(RANDOM);
    return Entry.sign(new PatientRegistration(k.publicKey(), System.currentTimeMillis(), List.of()), chainId, k,
        registrar);
  }

  /**
   * A node whose chain registers its key as another kind of participant than its configured role
   * names is refused at start, naming the field; a key its chain does not list yet (a server added
   * in a later block) starts and follows, as {@code GovernanceCommandTest}'s key rotation shows.
   */
  @Test
  void aKeyTheChainRegistersInAnotherRoleIsRefusedAtStart() {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), options(1, 1, 0), RANDOM);
    Path audit = t.nodeDirectories().get(1);
    NodeConfig c = NodeConfig.read(audit.resolve("node.json"));
    NodeConfig asFederation = new NodeConfig(c.chain(), ServerRole.FEDERATION, c.institution(), c.ledgerKey(), c.listen(),
        c.clientListen(), c.peers(), c.clients(), c.dataDirectory(), c.genesis(), c.genesisHash(), c.keySource(),
        c.consensus(), c.limits(), c.tiles(), c.storage(), Optional.empty());
    NodeKeys k = NodeKeys.open(c.dataDirectory().resolve(NodeKeys.FILE_NAME), NodeKeys.passphrase(c.keySource()));
    NodeException e = assertThrows(NodeException.class,
        () -> Node.start(asFederation, k, network.attach(k.ledgerKey()), true, NodeMetrics.NONE));
    assertEquals(NodeException.Reason.CONFIG, e.reason());
    assertTrue(e.getMessage().contains("field 'role': the ledger registers key " + c.ledgerKey().toHex()
        + " as audit_server, not as federation_server"), e.getMessage());
  }

  /**
   * A submission whose entry reaches the ledger without the commit listener hearing of it (as in
   * the moment between a block's append and the listener's call) completes where the entry is
   * final when the sweeper re-checks it, and is not refused as a duplicate.
   */
  @Test
  void aPendingSubmissionWhoseEntryIsOnTheLedgerCompletesAsFinalNotAsADuplicate() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), options(2, 1, 0), RANDOM);
    Ed25519PrivateKey reg = registrar(t);
    Path copy = dir.resolve("copy");
    io.medledger.testing.TestFiles.copyTree(dir.resolve("net"), copy); // the same genesis and keys, before any node writes
    for (Path p : t.nodeDirectories()) {
      start(p);
    }
    Node fed = nodes.get(0);
    Entry e = patient(fed.ledger().parameters().chainId(), reg);
    Finality done = fed.submit(e).get(30, TimeUnit.SECONDS);
    // the first federation server again, alone on a network of its own: no quorum, so the same
    // entry stays pending there
    Sweeps sweeps = new Sweeps();
    Node alone = open(copy.resolve(t.nodeDirectories().get(0).getFileName()), new LocalNetwork(), sweeps);
    nodes.add(alone);
    CompletableFuture<Finality> pending = alone.submit(e);
    sweeps.awaitMore(2);
    assertTrue(!pending.isDone(), "no quorum: the entry cannot be final yet");
    for (long h = 1; h <= done.height(); h++) {
      assertTrue(alone.ledger().append(fed.ledger().block(h)).isAccepted(), "block " + h);
    }
    // the sweeper re-checks it within about 2.5 s: the rules see a duplicate, and the entry is final
    Finality f = pending.get(30, TimeUnit.SECONDS);
    assertEquals(done, f);
  }

  /**
   * The first node of {@code t} under the limits {@code limits} makes of its configured ones,
   * serving {@code clients}, alone on a network of its own: no quorum, so every submission it
   * accepts stays pending.
   */
  private Node alone(Testnet.Layout t, java.util.function.UnaryOperator<NodeConfig.NodeLimits> limits,
      List<io.medledger.crypto.Ed25519PublicKey> clients, Sweeps sweeps) {
    NodeConfig c = NodeConfig.read(t.nodeDirectories().get(0).resolve("node.json"));
    NodeConfig limited = c.withLimits(limits.apply(c.limits())).withClients(clients);
    NodeKeys k = NodeKeys.open(c.dataDirectory().resolve(NodeKeys.FILE_NAME), NodeKeys.passphrase(c.keySource()));
    Node alone = Node.start(limited, k, new LocalNetwork().attach(k.ledgerKey()), true, sweeps);
    nodes.add(alone);
    return alone;
  }

  /**
   * A client key holds at most {@code limits.max_pending_per_client} submissions at once on a
   * node: beyond that the node answers BUSY to that client alone, and frees its share as its
   * submissions settle.
   */
  @Test
  void oneClientCannotTakeTheWholePendingPool() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), options(2, 1, 0), RANDOM);
    Ed25519PrivateKey reg = registrar(t);
    io.medledger.crypto.Ed25519PublicKey greedy = Ed25519PrivateKey.generate(RANDOM).publicKey();
    io.medledger.crypto.Ed25519PublicKey other = Ed25519PrivateKey.generate(RANDOM).publicKey();
    Sweeps sweeps = new Sweeps();
    Node alone = alone(t, l -> new NodeConfig.NodeLimits(l.maxPendingSubmissions(), l.maxRequestBytes(), 3,
        l.clientRequestsPerSecond()), List.of(greedy, other), sweeps);
    io.medledger.crypto.Digest chain = alone.ledger().parameters().chainId();
    List<CompletableFuture<byte[]>> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(alone.handleRequest(greedy, submitRequest(patient(chain, reg))));
    }
    sweeps.awaitMore(2);
    assertTrue(held.stream().noneMatch(CompletableFuture::isDone), "no quorum: all three are pending");
    refusedAtOnce(SubmissionRefusedException.Cause.BUSY, alone, greedy, patient(chain, reg));
    CompletableFuture<byte[]> others = alone.handleRequest(other, submitRequest(patient(chain, reg)));
    sweeps.awaitMore(2);
    assertTrue(!others.isDone(), "another client still gets a place in the pool");
    // a submission that settles frees its place: a refused one settles at once
    Entry e = patient(chain, reg);
    PatientRegistration p = (PatientRegistration) e;
    Entry forged = Entry.sign(new PatientRegistration(p.patientKey(), p.createdAt(), List.of()), chain,
        Ed25519PrivateKey.generate(RANDOM));
    byte[] bad = alone.handleRequest(other, submitRequest(forged)).get(30, TimeUnit.SECONDS);
    assertEquals(SubmissionRefusedException.Cause.RULE.ordinal(), bad[1]);
    for (int i = 0; i < 2; i++) {
      assertTrue(!alone.handleRequest(other, submitRequest(patient(chain, reg))).isDone(), "place " + (i + 2) + " of 3");
    }
    byte[] over = alone.handleRequest(other, submitRequest(patient(chain, reg))).get(30, TimeUnit.SECONDS);
    assertEquals(SubmissionRefusedException.Cause.BUSY.ordinal(), over[1], "the other client at its own bound");
  }

  /**
   * Patient registrations countersigned by one registrar take at most
   * {@code limits.max_pending_per_registrar} of a node's pending submissions, whichever client
   * keys submitted them: beyond that the node refuses that registrar's registrations with cause
   * REGISTRAR_SHARE, while another registrar's still get a place, and a settled one frees its place.
   */
  @Test
  void oneRegistrarCannotTakeThePendingRegistrationsOfEveryoneElse() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), options(2, 1, 0), RANDOM);
    Ed25519PrivateKey hostile = registrar(t);
    Ed25519PrivateKey honest = NodeKeys.open(t.directory().resolve("institutions").resolve("institution-2.json"),
        NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase()))).ledgerSecretKey();
    io.medledger.crypto.Ed25519PublicKey first = Ed25519PrivateKey.generate(RANDOM).publicKey();
    io.medledger.crypto.Ed25519PublicKey second = Ed25519PrivateKey.generate(RANDOM).publicKey();
    Sweeps sweeps = new Sweeps();
    Node alone = alone(t, l -> new NodeConfig.NodeLimits(l.maxPendingSubmissions(), l.maxRequestBytes(),
        l.maxPendingPerClient(), l.clientRequestsPerSecond(), 3), List.of(first, second), sweeps);
    io.medledger.crypto.Digest chain = alone.ledger().parameters().chainId();
    // the hostile registrar's registrations come through two client keys: they count together
    List<CompletableFuture<byte[]>> held = new ArrayList<>();
    held.add(alone.handleRequest(first, submitRequest(patient(chain, hostile))));
    held.add(alone.handleRequest(second, submitRequest(patient(chain, hostile))));
    // one that a rule refuses (dated a day ahead) settles at once and frees its place again
    Ed25519PrivateKey early = Ed25519PrivateKey.generate(RANDOM);
    Entry ahead = Entry.sign(new PatientRegistration(early.publicKey(), System.currentTimeMillis() + 86_400_000L,
        List.of()), chain, early, hostile);
    refusedAtOnce(SubmissionRefusedException.Cause.RULE, alone, first, ahead);
    held.add(alone.handleRequest(second, submitRequest(patient(chain, hostile))));
    sweeps.awaitMore(2);
    assertTrue(held.stream().noneMatch(CompletableFuture::isDone), "no quorum: all three are pending");
    refusedAtOnce(SubmissionRefusedException.Cause.REGISTRAR_SHARE, alone, first, patient(chain, hostile));
    ExecutionException direct = assertThrows(ExecutionException.class,
        () -> alone.submit(patient(chain, hostile)).get(30, TimeUnit.SECONDS));
    SubmissionRefusedException why = (SubmissionRefusedException) direct.getCause();
    assertEquals(SubmissionRefusedException.Cause.REGISTRAR_SHARE, why.refusal());
    assertTrue(why.getMessage().contains("max_pending_per_registrar"), why.getMessage());
    // another registrar, through the same client keys, still gets its places
    List<CompletableFuture<byte[]>> others = new ArrayList<>();
    others.add(alone.handleRequest(first, submitRequest(patient(chain, honest))));
    others.add(alone.handleRequest(second, submitRequest(patient(chain, honest))));
    sweeps.awaitMore(2);
    assertTrue(others.stream().noneMatch(CompletableFuture::isDone), "the honest registrar's registrations wait");
  }

  /** Submits {@code e} to {@code node} as {@code client} and checks that it is refused at once with {@code cause}. */
  private static void refusedAtOnce(SubmissionRefusedException.Cause cause, Node node,
      io.medledger.crypto.Ed25519PublicKey client, Entry e) throws Exception {
    byte[] r = node.handleRequest(client, submitRequest(e)).get(30, TimeUnit.SECONDS);
    assertEquals(io.medledger.internal.node.ClientWire.REFUSED, r[0]);
    assertEquals(cause.ordinal(), r[1]);
  }

  private static byte[] submitRequest(Entry e) {
    return io.medledger.internal.node.ClientWire.submit(e.encode());
  }

  @Test
  void concurrentSubmissionsShareBlocksAndBecomeFinalEverywhere() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), options(2, 4, 1), RANDOM);
    Ed25519PrivateKey reg = registrar(t);
    for (Path p : t.nodeDirectories()) {
      start(p);
    }
    Node fed = nodes.get(0);
    io.medledger.crypto.Digest chain = fed.ledger().parameters().chainId();
    List<CompletableFuture<Finality>> fs = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      fs.add(nodes.get(i % 6).submit(patient(chain, reg)));
    }
    CompletableFuture.allOf(fs.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
    long maxHeight = fs.stream().mapToLong(f -> f.join().height()).max().orElseThrow();
    assertTrue(maxHeight < 100, "300 entries must share blocks, took " + maxHeight + " blocks");
    waitFor(() -> nodes.stream().allMatch(n -> n.ledger().height() >= maxHeight), "every node at the height");
    for (Node n : nodes) {
      for (CompletableFuture<Finality> f : fs) {
        assertTrue(n.ledger().locate(f.join().entryId()).isPresent(), n + " lacks an acknowledged entry");
      }
      assertEquals(nodes.get(0).ledger().header(maxHeight).hash(), n.ledger().header(maxHeight).hash());
    }
    // the storage node follows without voting
    assertEquals(ServerRole.STORAGE, nodes.get(6).role());
  }

  @Test
  void refusedEntriesFailWithTheRule() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), options(1, 1, 0), RANDOM);
    Ed25519PrivateKey reg = registrar(t);
    Node a = start(t.nodeDirectories().get(0));
    start(t.nodeDirectories().get(1));
    Entry e = patient(a.ledger().parameters().chainId(), reg);
    Finality f = a.submit(e).get(20, TimeUnit.SECONDS);
    assertEquals(f, a.submit(e).get(1, TimeUnit.SECONDS), "resubmitting a final entry reports where it is");
    // same key registered again: a ledger rule refuses it
    PatientRegistration p = (PatientRegistration) e;
    Ed25519PrivateKey other = Ed25519PrivateKey.generate(RANDOM);
    Entry forged = Entry.sign(new PatientRegistration(p.patientKey(), p.createdAt() + 1, List.of()),
        a.ledger().parameters().chainId(), other);
    ExecutionException x = assertThrows(ExecutionException.class, () -> a.submit(forged).get(5, TimeUnit.SECONDS));
    SubmissionRefusedException r = (SubmissionRefusedException) x.getCause();
    assertEquals(SubmissionRefusedException.Cause.RULE, r.refusal());
    ExecutionException m = assertThrows(ExecutionException.class, () -> a.submit(new byte[] {1, 2, 3}).get());
    assertEquals(SubmissionRefusedException.Cause.MALFORMED, ((SubmissionRefusedException) m.getCause()).refusal());
  }

  /**
   * A regular file where the node keeps a directory of its own (its anchors, key cards or
   * checkpoints), by damage or by hand: the start fails with one {@link NodeException} naming the
   * data directory, not an unchecked I/O error, and leaves nothing open, so the node starts once
   * the damage is repaired.
   */
  @Test
  void aFileInPlaceOfOneOfTheNodesDirectoriesFailsTheStartWithANodeException() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), options(1, 1, 0), RANDOM);
    Ed25519PrivateKey reg = registrar(t);
    Path nodeDir = t.nodeDirectories().get(0);
    Path data = NodeConfig.read(nodeDir.resolve("node.json")).dataDirectory();
    for (String d : List.of(Node.ANCHORS, Node.KEY_CARDS)) {
      Path p = data.resolve(d);
      if (java.nio.file.Files.exists(p)) {
        try (var all = java.nio.file.Files.walk(p)) {
          for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
            java.nio.file.Files.delete(f);
          }
        }
      }
      java.nio.file.Files.writeString(p, "not a directory");
      NodeException e = org.junit.jupiter.api.Assertions.assertThrows(NodeException.class, () -> open(nodeDir, network));
      assertEquals(NodeException.Reason.DATA_DIRECTORY, e.reason(), d);
      assertTrue(e.getMessage().contains(data.toString()), e.getMessage());
      java.nio.file.Files.delete(p);
      open(nodeDir, network).close();
    }
  }

  @Test
  void aRestartedFileBackedNodeAcceptsNewEntries() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), options(1, 1, 0), RANDOM);
    Ed25519PrivateKey reg = registrar(t);
    Node a = start(t.nodeDirectories().get(0));
    Node b = start(t.nodeDirectories().get(1));
    io.medledger.crypto.Digest chain = a.ledger().parameters().chainId();
    Finality first = a.submit(patient(chain, reg)).get(20, TimeUnit.SECONDS);
    a.close();
    b.close();
    nodes.clear();
    Node a2 = start(t.nodeDirectories().get(0));
    start(t.nodeDirectories().get(1));
    assertTrue(a2.ledger().locate(first.entryId()).isPresent(), "the acknowledged entry survives the restart");
    Finality second = a2.submit(patient(chain, reg)).get(20, TimeUnit.SECONDS);
    assertTrue(second.height() > first.height());
    // the data directory is locked while the node runs
    NodeException busy = assertThrows(NodeException.class, () -> start(t.nodeDirectories().get(0), new LocalNetwork()));
    assertEquals(NodeException.Reason.DATA_DIRECTORY, busy.reason());
  }

  /**
   * The priority is process-wide, so this runs in a JVM of its own ({@link CompactionPriorityChild}):
   * a compaction there runs at a nice value below 19 before a node starts (the control) and at 19
   * after, whatever other tests of this JVM did first.
   */
  @Test
  void aNodeRunsRocksDbCompactionsAtTheLowestCpuPriority() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.medledger.internal.rocksdb.CompactionThreads.observable(),
        "no /proc here");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(javaBin, "-XX:+UseSerialGC", "-Xmx256m", "-Djava.io.tmpdir=" + dir,
        "-cp", System.getProperty("java.class.path"), CompactionPriorityChild.class.getName(), dir.toString())
        .redirectErrorStream(true).start();
    String out;
    try {
      java.util.concurrent.Future<byte[]> read = CompletableFuture.supplyAsync(() -> {
        try {
          return child.getInputStream().readAllBytes();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish in 120 s");
      out = new String(read.get(10, TimeUnit.SECONDS), java.nio.charset.StandardCharsets.UTF_8);
    } finally {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
    assertEquals(0, child.exitValue(), out);
    org.junit.jupiter.api.Assumptions.assumeFalse(niceValues(out, "before").contains("19"),
        "this JVM's threads already run at nice 19, so a node cannot be seen lowering them: " + out);
    assertTrue(niceValues(out, "after").contains("19"), "a compaction after a node started runs at nice 19: " + out);
  }

  /** The nice values the child printed on its line {@code label=[...]}. */
  private static List<String> niceValues(String out, String label) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + label + "=\\[(.*)]$").matcher(out);
    assertTrue(m.find(), "no " + label + " line: " + out);
    return List.of(m.group(1).split(", "));
  }

  static void waitFor(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}

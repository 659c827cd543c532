package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.chain.Ledger;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.PatientRegistration;
import io.medledger.crypto.Digest;
import io.medledger.node.Node;
import io.medledger.node.NodeConfig;
import io.medledger.node.NodeKeys;
import io.medledger.node.NodeMetrics;
import io.medledger.node.Testnet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code medledger load} (its registrations and mixed workloads, its output files) against a testnet of nodes over TLS in this JVM. */
class LoadMixTest {
  @TempDir
  Path dir;

  private final List<Node> nodes = new ArrayList<>();

  @AfterEach
  void closeAll() {
    nodes.forEach(Node::close);
  }

  private record Run(int code, String out, String err) {}

  private static Run load(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] all = new String[args.length + 1];
    all[0] = "load";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = Main.run(all, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A testnet of {@code federation} federation servers and one audit server, running in this JVM. */
  private Testnet.Layout testnet(String chain, int federation) {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), new Testnet.Options(chain, federation, 1, 0, 0,
        new NodeConfig.ConsensusSettings("rotating-audit", Duration.ofMillis(500), Duration.ofMillis(200), 500, 4 << 20,
            Duration.ofMillis(10), 100_000)), new SecureRandom());
    for (Path p : t.nodeDirectories()) {
      nodes.add(Node.start(NodeConfig.read(p.resolve("node.json")), NodeMetrics.NONE));
    }
    return t;
  }

  /**
   * The files {@code load} writes ({@code --out}, {@code --timeline}) follow the command line's
   * rule for output files: created owner-only, an existing one overwritten only with
   * {@code --force}, checked before any load is sent.
   */
  @Test
  @Timeout(180)
  void outputFilesAreOwnerOnlyAndNeverOverwrittenWithoutForce() throws Exception {
    String client = testnet("load-output-test", 1).clientConfig().toString();
    Path acks = dir.resolve("acks");
    Path timeline = dir.resolve("timeline");
    Run first = load("--client", client, "--rate", "5", "--duration", "1", "--wait", "30", "--out", acks.toString(),
        "--timeline", timeline.toString());
    assertEquals(0, first.code(), first.err());
    for (Path f : List.of(acks, timeline)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
    }
    String before = Files.readString(acks, StandardCharsets.US_ASCII);
    assertEquals(5, before.lines().count());

    Run again = load("--client", client, "--rate", "5", "--duration", "1", "--wait", "30", "--out", acks.toString());
    assertEquals(2, again.code(), again.out());
    assertEquals("medledger: " + acks + " already exists; pass --force to overwrite it\n", again.err());
    assertTrue(again.out().isEmpty(), "refused before any load: " + again.out());
    assertEquals(before, Files.readString(acks, StandardCharsets.US_ASCII));

    Run forced = load("--client", client, "--rate", "5", "--duration", "1", "--wait", "30", "--out", acks.toString(),
        "--timeline", timeline.toString(), "--force");
    assertEquals(0, forced.code(), forced.err());
    List<String> now = Files.readAllLines(acks);
    assertEquals(5, now.size());
    assertTrue(now.stream().noneMatch(before::contains), "the second run's entries replace the first's");
  }

  /**
   * The registrations workload (the default) countersigns its registrations in turns by the
   * testnet's institutions (one per server: three here), so no registrar takes more than its turn;
   * every acknowledged registration is final on the ledger, countersigned by an institution.
   */
  @Test
  @Timeout(180)
  void theRegistrationsWorkloadCountersignsInTurnsAndEveryRegistrationBecomesFinal() throws Exception {
    Testnet.Layout t = testnet("load-registrations-test", 2);
    Map<io.medledger.access.ParticipantId, Integer> turns = new java.util.HashMap<>();
    Path institutions = t.directory().resolve("institutions");
    try (java.util.stream.Stream<Path> files = Files.list(institutions)) {
      for (Path f : files.sorted().toList()) {
        NodeKeys k = NodeKeys.open(f, NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase())));
        turns.put(io.medledger.access.ParticipantId.of(k.ledgerKey()), 0);
        k.destroy();
      }
    }
    assertEquals(3, turns.size(), "fixture: one institution per server");
    Path acks = dir.resolve("acks");
    Run r = load("--client", t.clientConfig().toString(), "--rate", "6", "--duration", "2", "--out", acks.toString(),
        "--wait", "60");
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err()); // no refusal, no straggler
    String last = r.out().strip().substring(r.out().strip().lastIndexOf('\n') + 1);
    assertTrue(last.startsWith("submitted=12 acknowledged=12 final=12 "), last);

    Ledger ledger = nodes.get(0).ledger();
    List<String> ids = Files.readAllLines(acks);
    assertEquals(12, ids.size());
    for (String line : ids) {
      EntryLocation l = ledger.locate(Digest.fromHex(line)).orElseThrow(() -> new AssertionError("not final: " + line));
      Entry e = ledger.block(l.height()).block().entries().get(l.indexInBlock());
      PatientRegistration reg = (PatientRegistration) e;
      io.medledger.access.ParticipantId registrar = reg.registrar().orElseThrow();
      assertTrue(turns.containsKey(registrar), "countersigned by " + registrar + ", not an institution");
      turns.merge(registrar, 1, Integer::sum);
    }
    // the i-th registration is countersigned by institution i mod 3: twelve make four turns each
    assertEquals(List.of(4, 4, 4), List.copyOf(turns.values()), turns.toString());
  }

  @Test
  @Timeout(180)
  void theMixedWorkloadSubmitsEveryKindAndEveryEntryBecomesFinal() throws Exception {
    Testnet.Layout t = testnet("load-mix-test", 2);
    Path acks = dir.resolve("acks");
    Run r = load("--client", t.clientConfig().toString(), "--workload", "mixed", "--institutions",
        dir.resolve("net/institutions").toString(), "--patients", "30", "--rate", "100", "--duration", "3", "--out",
        acks.toString(), "--wait", "60");
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err()); // no refusal, no straggler
    // the setup: a storage node, ten clinicians for each of the three institutions, and 30
    // patients with two grants and one record each
    assertTrue(r.out().contains("{\"setup_acknowledged\":" + (1 + 30 + 30 + 60 + 30) + "}"), r.out());
    String last = r.out().strip().substring(r.out().strip().lastIndexOf('\n') + 1);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(
        "submitted=(\\d+) acknowledged=(\\d+) final=(\\d+) p50_ms=\\d+ p99_ms=\\d+ entries_per_s=\\d+").matcher(last);
    assertTrue(m.matches(), last);
    assertEquals(300, Long.parseLong(m.group(1)), last);
    assertEquals(m.group(1), m.group(2), last);
    assertEquals(m.group(2), m.group(3), last);

    // the acknowledged entries hold every kind of the mix, in about its shares
    Ledger ledger = nodes.get(0).ledger();
    Map<String, Integer> kinds = new TreeMap<>();
    for (String line : Files.readAllLines(acks)) {
      EntryLocation l = ledger.locate(Digest.fromHex(line)).orElseThrow();
      Entry e = ledger.block(l.height()).block().entries().get(l.indexInBlock());
      kinds.merge(e.getClass().getSimpleName(), 1, Integer::sum);
    }
    assertEquals(300, kinds.values().stream().mapToInt(Integer::intValue).sum(), kinds.toString());
    assertTrue(kinds.getOrDefault(MedicalRecord.class.getSimpleName(), 0) >= 80, kinds.toString()); // 40%: 120 expected
    assertTrue(kinds.getOrDefault(AccessEvent.class.getSimpleName(), 0) >= 100, kinds.toString()); // 46%: 138 expected
    assertTrue(kinds.getOrDefault(AccessGrant.class.getSimpleName(), 0) >= 8, kinds.toString()); // 8%: 24 expected
    assertTrue(kinds.getOrDefault(AccessRevocation.class.getSimpleName(), 0) >= 3, kinds.toString()); // 4%, at most 30
    assertTrue(kinds.getOrDefault(PatientRegistration.class.getSimpleName(), 0) >= 1, kinds.toString()); // 2%: 6 expected

    // an institution the ledger does not know cannot affiliate clinicians: the setup stops
    Path strangers = Files.createDirectories(dir.resolve("strangers"));
    char[] pass = NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase()));
    NodeKeys.generate(new SecureRandom()).save(strangers.resolve("institution-x.json"), pass, new SecureRandom());
    Run refused = load("--client", t.clientConfig().toString(), "--workload", "mixed", "--institutions",
        strangers.toString(), "--patients", "5", "--rate", "100", "--duration", "1", "--wait", "30");
    assertEquals(2, refused.code(), refused.out());
    // the storage node and ten clinicians are refused, and so are the five patients it countersigned as registrar
    assertTrue(refused.err().endsWith("medledger: setup wave 1: 0 of 16 entries acknowledged\n"), refused.err());
    assertTrue(refused.err().contains("is not an active registered institution")
        || refused.err().contains("is not a registered participant"), refused.err());
  }

  @Test
  void theMixedWorkloadNeedsTheInstitutions() {
    Run noDir = load("--client", "c.json", "--rate", "1", "--duration", "1", "--workload", "mixed");
    assertEquals(2, noDir.code());
    assertEquals("medledger: --workload mixed needs --institutions DIR\n", noDir.err());
    Run patients = load("--client", "c.json", "--rate", "1", "--duration", "1", "--patients", "5");
    assertEquals("medledger: --patients goes with --workload mixed, and only with it\n", patients.err());
    Run zero = load("--client", "c.json", "--rate", "1", "--duration", "1", "--workload", "mixed", "--institutions", "x",
        "--patients", "0");
    assertEquals("medledger: --patients must be 1..100000\n", zero.err());
    Run bad = load("--client", "c.json", "--rate", "1", "--duration", "1", "--workload", "records");
    assertEquals(2, bad.code());
    assertEquals("medledger: --workload must be registrations or mixed\n", bad.err());
  }
}

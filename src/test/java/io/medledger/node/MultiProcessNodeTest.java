package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.cli.Main;
import io.medledger.crypto.Digest;
import io.medledger.internal.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four federation and four audit servers as separate processes on loopback with TLS, under a
 * {@code medledger load} workload; one federation and one audit server are killed with SIGKILL
 * mid-stream and restarted. Every node must end with the same tip, every acknowledged entry must be
 * on every node, and the restarted nodes must have caught up past blocks made while they were down.
 */
class MultiProcessNodeTest {
  @TempDir
  Path dir;

  private static final int FEDERATION = 4;
  private static final int AUDIT = 4;

  static Testnet.Layout layout(Path dir) {
    return Testnet.create(dir, new Testnet.Options("multi-process", FEDERATION, AUDIT, 0, 0,
        new NodeConfig.ConsensusSettings("rotating-audit", Duration.ofSeconds(2), Duration.ofMillis(500), 2000, 4 << 20,
            Duration.ofMillis(50), 100_000)), new SecureRandom());
  }

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void killNineMidStreamLosesNoAcknowledgedEntry() throws Exception {
    run(1, 5);
  }

  /** The soak: repeated kills of changing servers, then four minutes more of load (behind -Pslow). */
  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  @EnabledIfSystemProperty(named = "medledger.test.soak", matches = "true")
  void soakWithRepeatedKills() throws Exception {
    run(6, 240);
  }

  /** {@code killRounds} rounds of kills and restarts under load, then {@code tailSeconds} more of the load. */
  private void run(int killRounds, int tailSeconds) throws Exception {
    Testnet.Layout t = layout(dir.resolve("net"));
    int n = t.nodeDirectories().size();
    try (NodeProcesses procs = new NodeProcesses(t)) {
      for (int i = 0; i < n; i++) {
        procs.launch(i);
      }
      for (int i = 0; i < n; i++) {
        procs.awaitStarted(i, 240);
      }
      NodeKeys client = clientKeys(t);
      Workload work = new Workload(t, client, n);
      Thread worker = new Thread(work, "workload");
      worker.start();
      List<long[]> restarts = new ArrayList<>();
      try {
        long seen = 0;
        for (int round = 0; round < killRounds; round++) {
          seen = awaitHeight(t, client, seen + 2);
          int fed = 1 + round % (FEDERATION - 1); // node 1 stays up: the test reads heights from it
          int audit = FEDERATION + round % AUDIT;
          work.down.add(fed);
          work.down.add(audit);
          procs.kill9(fed);
          procs.kill9(audit);
          // blocks are made while they are down
          seen = awaitHeight(t, client, height(t, client, 0) + 2);
          procs.launch(fed);
          procs.launch(audit);
          long hFed = procs.awaitStarted(fed, 240);
          long hAudit = procs.awaitStarted(audit, 240);
          work.down.remove(fed);
          work.down.remove(audit);
          restarts.add(new long[] {fed, hFed, seen});
          restarts.add(new long[] {audit, hAudit, seen});
          awaitHeight(t, client, seen + 1);
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(tailSeconds));
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + procs.logTails(), e);
      } finally {
        work.stop = true;
        worker.join(TimeUnit.MINUTES.toMillis(3));
      }
      // the load command on the healed cluster, and its acknowledged ids
      Path acks = dir.resolve("acks");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = Main.run(new String[] {"load", "--client", t.clientConfig().toString(), "--rate", "20", "--duration", "5",
          "--out", acks.toString(), "--wait", "120", "--warmup", "2"}, new ByteArrayInputStream(new byte[0]),
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
      assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
      String summary = out.toString(StandardCharsets.UTF_8).strip();
      String last = summary.substring(summary.lastIndexOf('\n') + 1);
      assertTrue(last.matches("submitted=\\d+ acknowledged=\\d+ final=\\d+ p50_ms=\\d+ p99_ms=\\d+ entries_per_s=\\d+"), last);
      // the 40 warm-up submissions (2 s at 20/s) are made but neither counted nor written out
      long submittedCount = Long.parseLong(last.replaceAll("^submitted=(\\d+) acknowledged=(\\d+).*$", "$1"));
      long acknowledgedCount = Long.parseLong(last.replaceAll("^submitted=(\\d+) acknowledged=(\\d+).*$", "$2"));
      assertTrue(submittedCount > 0 && submittedCount <= 100, last);
      assertEquals(acknowledgedCount, Files.readAllLines(acks).stream().filter(s -> !s.isBlank()).count(), last);
      // the timed phase is announced (scripts/node-bench.sh starts measuring on this line)
      assertTrue(summary.lines().anyMatch(l -> l.matches("\\{\"warmup_submitted\":\\d+,\"warmup_acknowledged\":\\d+}")), summary);
      // and so is its end, before the final check (node-bench.sh ends its window there), with the
      // heights the acknowledgements named
      String answered = summary.lines().filter(l -> l.startsWith("{\"answered\":")).findFirst().orElseThrow(() ->
          new AssertionError("no answered line: " + summary));
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(
          "\\{\"answered\":(\\d+),\"first_height\":(\\d+),\"last_height\":(\\d+),\"heights\":(\\d+)}").matcher(answered);
      assertTrue(m.matches(), answered);
      assertEquals(acknowledgedCount, Long.parseLong(m.group(1)), answered);
      long h1 = Long.parseLong(m.group(2));
      long h2 = Long.parseLong(m.group(3));
      long distinct = Long.parseLong(m.group(4));
      assertTrue(h1 >= 1 && h1 <= h2 && distinct >= 1 && distinct <= h2 - h1 + 1 && distinct <= acknowledgedCount, answered);
      List<Digest> acked = new ArrayList<>(work.acked);
      Files.readAllLines(acks).stream().filter(s -> !s.isBlank()).map(Digest::fromHex).forEach(acked::add);
      assertTrue(work.acked.size() > 50, "the workload made progress: " + work.acked.size() + " acknowledged");

      // every node ends with the same tip
      String[] tips = new String[n];
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (true) {
        for (int i = 0; i < n; i++) {
          tips[i] = tip(t, client, i);
        }
        if (Arrays.stream(tips).distinct().count() == 1 || System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(500);
      }
      assertEquals(1, Arrays.stream(tips).distinct().count(), "tips: " + Arrays.toString(tips));
      long finalHeight = height(t, client, 0);
      // every acknowledged entry is on every node
      for (int i = 0; i < n; i++) {
        try (NodeClient c = connect(t, client, i)) {
          boolean[] has = c.contains(acked).get(60, TimeUnit.SECONDS);
          for (int j = 0; j < has.length; j++) {
            assertTrue(has[j], "node " + (i + 1) + " lacks acknowledged entry " + acked.get(j));
          }
        }
      }
      // the restarted nodes caught up past the blocks made while they were down
      for (long[] r : restarts) {
        assertTrue(r[1] < r[2], "node " + (r[0] + 1) + " restarted at height " + r[1] + " below the cluster's " + r[2]);
        assertEquals(finalHeight, height(t, client, (int) r[0]));
      }
    }
  }

  /** Waits until node 1 reaches {@code height} (the workload keeps blocks coming); returns its height. */
  private static long awaitHeight(Testnet.Layout t, NodeKeys client, long height) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    long h;
    while ((h = height(t, client, 0)) < height) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the cluster did not reach height " + height + " (at " + h + ")");
      }
      Thread.sleep(200);
    }
    return h;
  }

  /** Submits patient registrations round-robin to the nodes that are up, about 25 per second, until stopped. */
  private static final class Workload implements Runnable {
    final java.util.Set<Integer> down = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final java.util.Queue<Digest> acked = new java.util.concurrent.ConcurrentLinkedQueue<>();
    volatile boolean stop;
    private final Testnet.Layout t;
    private final NodeKeys client;
    private final int n;
    private final io.medledger.crypto.Ed25519PrivateKey registrar;

    Workload(Testnet.Layout t, NodeKeys client, int n) {
      this.t = t;
      this.registrar = NodeRuntimeTest.registrar(t);
      this.client = client;
      this.n = n;
    }

    @Override
    public void run() {
      NodeClient[] clients = new NodeClient[n];
      List<CompletableFuture<?>> inFlight = new ArrayList<>();
      Digest chain = io.medledger.chain.ChainParameters.defaults("multi-process").chainId();
      int next = 0;
      try {
        while (!stop) {
          int i = next++ % n;
          if (down.contains(i)) {
            continue;
          }
          try {
            if (clients[i] == null || !clients[i].isOpen()) {
              clients[i] = connect(t, client, i);
            }
            io.medledger.chain.Entry e = NodeRuntimeTest.patient(chain, registrar);
            inFlight.add(clients[i].submit(e).thenAccept(f -> acked.add(f.entryId())));
          } catch (RuntimeException ex) {
            clients[i] = null; // down or restarting: try again later
          }
          inFlight.removeIf(CompletableFuture::isDone);
          Thread.sleep(40);
        }
        CompletableFuture.allOf(inFlight.toArray(new CompletableFuture[0])).handle((v, x) -> null).get(120, TimeUnit.SECONDS);
      } catch (Exception e) {
        // interrupted or timed out: the acknowledged ids so far are what counts
      } finally {
        for (NodeClient c : clients) {
          if (c != null) {
            c.close();
          }
        }
      }
    }
  }

  private static NodeKeys clientKeys(Testnet.Layout t) {
    return NodeKeys.open(t.directory().resolve("client-keys.json"),
        NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase())));
  }

  private static NodeClient connect(Testnet.Layout t, NodeKeys client, int i) {
    NodeConfig c = NodeConfig.read(t.nodeDirectories().get(i).resolve("node.json"));
    return NodeClient.connect(c.clientListen(), c.ledgerKey(), TlsIdentity.of(client.ledgerSecretKey()));
  }

  private static Map<String, Object> status(Testnet.Layout t, NodeKeys client, int i) throws Exception {
    try (NodeClient c = connect(t, client, i)) {
      return Json.asObject(Json.parse(c.status().get(30, TimeUnit.SECONDS)), "status");
    }
  }

  private static String tip(Testnet.Layout t, NodeKeys client, int i) throws Exception {
    return (String) status(t, client, i).get("tip");
  }

  private static long height(Testnet.Layout t, NodeKeys client, int i) throws Exception {
    return (Long) status(t, client, i).get("height");
  }
}

package io.medledger.cli;

import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.PatientRegistration;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.node.ClientConfig;
import io.medledger.node.Finality;
import io.medledger.node.NodeClient;
import io.medledger.node.NodeException;
import io.medledger.node.NodeKeys;
import io.medledger.node.TlsIdentity;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * {@code medledger load --client D/client.json --rate R --duration S [--out ACKS] [--wait S] [--warmup W]
 * [--timeline FILE] [--workload registrations|mixed] [--institutions DIR] [--patients N] [--force]}
 * submits signed entries at R per second for S seconds, round-robin over the nodes of the client
 * configuration, through their client endpoints, and waits for them to become final.
 *
 * <p>The workload {@code registrations} (the default) submits patient registrations, each under a
 * fresh key and countersigned in turns by the institutions of {@code --institutions DIR} as registrars
 * (default: the {@code institutions} directory beside the client configuration, as a testnet lays
 * it out), signed before the timed phase starts (a new key to decode and a new patient in the
 * heads tree per entry). The workload {@code mixed} submits the mix of
 * {@code bench ingest} (see {@link LoadMix}); it needs the signing keys of the institutions, read
 * from the key stores in {@code --institutions DIR} (a testnet's {@code D/institutions}) with the
 * client's passphrase, and first runs an unmeasured setup over {@code --patients N} patients
 * (1 to 100,000, default 10,000) at the same rate, printing {@code {"setup_acknowledged":N}} when it is final.
 *
 * <p>A submission is acknowledged when its node
 * answers that it is final in a certified block; it is counted final when, at the end, every node
 * the client can reach holds it. The last line is {@code submitted=N acknowledged=A final=F
 * p50_ms=X p99_ms=Y entries_per_s=Z} (latency from submission to acknowledgement; entries per
 * second acknowledged over the submission period). With {@code --out} the id of every acknowledged
 * entry is written, one hex id per line. With {@code --timeline FILE} the timed phase's latencies
 * are written per second of submission, one JSON line each (see {@link #timeline}). Both files are
 * created owner-only, and an existing one is refused before anything is submitted unless
 * {@code --force} is given. With
 * {@code --warmup W} the same submissions run first for W seconds, unmeasured, and their answers
 * are awaited (up to the wait) before the timed phase, so that neither this process's compiler nor
 * the nodes' is still at work in it; the line
 * {@code {"warmup_submitted":N,"warmup_acknowledged":A}} is printed when the timed phase starts.
 * When the timed phase's answers are in, before the final check asks every node, the line
 * {@code {"answered":A,"first_height":H1,"last_height":H2,"heights":K}} is printed: the lowest and
 * highest block heights the acknowledgements named, and how many distinct heights they named.
 * Failed submissions are counted by kind, and each kind, and the submissions still unanswered after
 * the wait, gets one warning line on standard error (see {@link LoadFailures}). A setup entry that
 * is not acknowledged stops the command (exit 2).
 */
final class LoadCommand implements Command {
  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    Args a = Args.parse(args, 0, "force");
    boolean force = a.flag("force");
    String clientFile = a.required("client");
    long rate = a.requiredLong("rate");
    long duration = a.requiredLong("duration");
    String outFile = a.optional("out");
    long wait = a.optionalLong("wait", 30);
    long warmup = a.optionalLong("warmup", 0);
    String timelineFile = a.optional("timeline");
    String workload = a.optional("workload");
    String institutionsDir = a.optional("institutions");
    boolean patientsGiven = a.optional("patients") != null;
    long patients = a.optionalLong("patients", 10_000);
    a.rejectUnknown();
    boolean mixed = "mixed".equals(workload);
    if (workload != null && !mixed && !"registrations".equals(workload)) {
      throw new CliException("--workload must be registrations or mixed");
    }
    if (mixed && institutionsDir == null) {
      throw new CliException("--workload mixed needs --institutions DIR");
    }
    if (patientsGiven && !mixed) {
      throw new CliException("--patients goes with --workload mixed, and only with it");
    }
    if (patients < 1 || patients > 100_000) {
      throw new CliException("--patients must be 1..100000");
    }
    if (rate < 1 || rate > 1_000_000 || duration < 1 || duration > 86_400 || wait < 0 || wait > 3600
        || warmup < 0 || warmup > 3600) {
      throw new CliException("--rate must be 1..1000000, --duration 1..86400, --wait 0..3600, --warmup 0..3600");
    }
    for (String f : new String[] {outFile, timelineFile}) {
      if (f != null) {
        CliFiles.refuseToOverwrite(force, Path.of(f));
      }
    }
    ClientConfig cc = ClientConfig.read(Path.of(clientFile));
    char[] pass = NodeKeys.passphrase(cc.keySource());
    try (OpenedKeys opened = new OpenedKeys()) {
      NodeKeys keys;
      List<Ed25519PrivateKey> institutionKeys = new ArrayList<>();
      try {
        keys = opened.open(cc.keyStore(), pass);
        institutionKeys = institutionKeys(institutionsDir != null ? Path.of(institutionsDir)
            : Path.of(clientFile).toAbsolutePath().getParent().resolve("institutions"), pass, opened);
      } finally {
        Arrays.fill(pass, '\0');
      }
      TlsIdentity identity = TlsIdentity.of(keys.ledgerSecretKey());
      int n = cc.nodes().size();
      AtomicReferenceArray<NodeClient> clients = new AtomicReferenceArray<>(n);
      int reachable = 0;
      for (int i = 0; i < n; i++) {
        try {
          clients.set(i, connect(cc, i, identity));
          reachable++;
        } catch (NodeException e) {
          err.println("medledger: warning: " + e.getMessage());
        }
      }
      if (reachable == 0) {
        throw new CliException("no node of " + cc.nodes().size() + " in the client configuration is reachable");
      }
      Digest chainId = ChainParameters.defaults(cc.chain()).chainId();
      Driver driver = new Driver(cc, identity, clients, rate);
      Supplier<Entry> source;
      if (mixed) {
        LoadMix mix = new LoadMix(chainId, institutionKeys, (int) patients, new SecureRandom());
        long setup = 0;
        for (int wave = 1; wave <= LoadMix.SETUP_WAVES; wave++) {
          List<Entry> entries = mix.setupWave(wave); // made when due: a wave holds up to 200,000 signed entries
          // submitted whole, however far behind the rate the generator falls (a day at the most)
          Phase s = driver.drive(entries.size(), 86_400, entries.iterator()::next);
          s.await(wait);
          s.failures.report(err, "setup wave " + wave, s.submitted.get(), s.acked.size(), wait);
          if (s.acked.size() != entries.size()) {
            throw new CliException("setup wave " + wave + ": " + s.acked.size() + " of " + entries.size()
                + " entries acknowledged");
          }
          setup += entries.size();
        }
        out.printf("{\"setup_acknowledged\":%d}%n", setup);
        out.flush();
        source = mix::next;
      } else {
        // Key generation and signing cost two Ed25519 operations per entry: done before the timed
        // phase (on every core), so the generator does not compete with the nodes for CPU while it runs.
        long total = rate * (warmup + duration);
        // the institutions countersign in turns: one registrar takes at most its share of a block
        // (the chain's registrations per registrar) and of each node's pending submissions
        List<Ed25519PrivateKey> registrars = List.copyOf(institutionKeys);
        int prepareCount = (int) Math.min(total, PREPARED_MAX);
        java.util.Iterator<Entry> prepared = prepare(chainId, prepareCount, registrars).iterator();
        SecureRandom random = new SecureRandom();
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong(prepareCount);
        source = () -> prepared.hasNext() ? prepared.next()
            : registration(chainId, random, registrars.get((int) (next.getAndIncrement() % registrars.size())));
      }
      if (warmup > 0) {
        // unmeasured: the same submissions, so this JVM's compiler has done its work before the timed phase
        Phase w = driver.drive(rate * warmup, warmup, source);
        w.await(wait);
        w.failures.report(err, "warm-up", w.submitted.get(), w.acked.size(), wait);
        out.printf("{\"warmup_submitted\":%d,\"warmup_acknowledged\":%d}%n", w.submitted.get(), w.acked.size());
        out.flush();
      }
      Phase p = driver.drive(rate * duration, duration, source);
      p.await(wait);
      List<Digest> ackedIds = new ArrayList<>(p.acked);
      p.failures.report(err, "timed phase", p.submitted.get(), ackedIds.size(), wait);
      long[] heights = p.heights.stream().mapToLong(Long::longValue).distinct().sorted().toArray();
      out.printf("{\"answered\":%d,\"first_height\":%d,\"last_height\":%d,\"heights\":%d}%n", ackedIds.size(),
          heights.length == 0 ? 0 : heights[0], heights.length == 0 ? 0 : heights[heights.length - 1], heights.length);
      out.flush();
      long finalCount = countFinal(clients, ackedIds, err);
      for (int i = 0; i < 50 && finalCount < ackedIds.size(); i++) {
        Thread.sleep(200); // nodes other than the acknowledging one may be a block behind
        finalCount = countFinal(clients, ackedIds, err);
      }
      if (outFile != null) {
        StringBuilder b = new StringBuilder(ackedIds.size() * (2 * Digest.LENGTH + 1));
        for (Digest d : ackedIds) {
          b.append(d.toHex()).append('\n');
        }
        CliFiles.write(Path.of(outFile), b.toString().getBytes(StandardCharsets.US_ASCII), force);
      }
      if (timelineFile != null) {
        StringBuilder b = new StringBuilder();
        timeline(p.latencies).forEach(l -> b.append(l).append('\n'));
        CliFiles.write(Path.of(timelineFile), b.toString().getBytes(StandardCharsets.US_ASCII), force);
      }
      for (int i = 0; i < n; i++) {
        NodeClient c = clients.get(i);
        if (c != null) {
          c.close();
        }
      }
      long[] lat = p.latencies.stream().mapToLong(x -> x[0]).sorted().toArray();
      double seconds = Math.max(1e-9, (Math.max(p.submitEnd, p.lastAck.get()) - p.start) / 1e9);
      out.printf("submitted=%d acknowledged=%d final=%d p50_ms=%d p99_ms=%d entries_per_s=%d%n", p.submitted.get(),
          ackedIds.size(), finalCount, percentile(lat, 50), percentile(lat, 99), Math.round(ackedIds.size() / seconds));
      return 0;
    }
  }

  /** What one phase of submissions saw: counts, latencies and acknowledged ids. */
  private static final class Phase {
    final AtomicLong submitted = new AtomicLong();
    final AtomicLong lastAck = new AtomicLong();
    final ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Digest> acked = new ConcurrentLinkedQueue<>();
    /** The height of each acknowledgement's block. */
    final ConcurrentLinkedQueue<Long> heights = new ConcurrentLinkedQueue<>();
    final List<CompletableFuture<?>> inFlight = new ArrayList<>();
    /** Submissions that failed, by kind. */
    final LoadFailures failures = new LoadFailures();
    long start;
    long submitEnd;

    /** Waits up to {@code seconds} for every submission's answer; failures and stragglers are counted by the caller. */
    void await(long seconds) throws InterruptedException {
      try {
        CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).get(seconds, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // counted from the phase's queues
      }
    }
  }

  /** Submits entries at a fixed rate, round-robin over the nodes, reconnecting at most once a second per node. */
  private static final class Driver {
    private final ClientConfig cc;
    private final TlsIdentity identity;
    private final AtomicReferenceArray<NodeClient> clients;
    private final long rate;
    private final long[] lastReconnect;
    private int next;

    Driver(ClientConfig cc, TlsIdentity identity, AtomicReferenceArray<NodeClient> clients, long rate) {
      this.cc = cc;
      this.identity = identity;
      this.clients = clients;
      this.rate = rate;
      this.lastReconnect = new long[clients.length()];
    }

    /**
     * Submits {@code total} entries from {@code source} at the rate, stopping early when more than
     * a second behind the end of {@code seconds}.
     */
    Phase drive(long total, long seconds, Supplier<Entry> source) throws InterruptedException {
      int n = clients.length();
      Phase p = new Phase();
      p.start = System.nanoTime();
      long end = p.start + TimeUnit.SECONDS.toNanos(seconds);
      for (long k = 0; k < total; k++) {
        long due = p.start + k * 1_000_000_000L / rate;
        long now = System.nanoTime();
        if (due > now) {
          TimeUnit.NANOSECONDS.sleep(due - now);
        }
        if (System.nanoTime() > end + TimeUnit.SECONDS.toNanos(1)) {
          break; // the generator fell more than a second behind; stop at the duration
        }
        Entry e = source.get();
        NodeClient c = null;
        for (int tries = 0; tries < n && c == null; tries++) {
          int i = next++ % n;
          NodeClient x = clients.get(i);
          if (x == null || !x.isOpen()) {
            long t = System.nanoTime();
            if (t - lastReconnect[i] > TimeUnit.SECONDS.toNanos(1)) {
              lastReconnect[i] = t;
              try {
                x = connect(cc, i, identity);
                clients.set(i, x);
              } catch (NodeException ex) {
                x = null;
              }
            } else {
              x = null;
            }
          }
          c = x;
        }
        if (c == null) {
          continue;
        }
        long t0 = System.nanoTime();
        p.submitted.incrementAndGet();
        CompletableFuture<Finality> f = c.submit(e);
        p.inFlight.add(f.whenComplete((fin, ex) -> {
          if (ex == null) {
            long t1 = System.nanoTime();
            p.latencies.add(new long[] {t1 - t0, t0 - p.start});
            p.lastAck.accumulateAndGet(t1, Math::max);
            p.acked.add(fin.entryId());
            p.heights.add(fin.height());
          } else {
            p.failures.record(ex);
          }
        }));
      }
      p.submitEnd = System.nanoTime();
      return p;
    }
  }

  /** Most entries signed before the timed phase (about 100 MB); later ones are signed as they are sent. */
  private static final int PREPARED_MAX = 200_000;

  /**
   * {@code count} patient registrations, each signed under a fresh key, the i-th countersigned by
   * registrar {@code i} modulo their number.
   */
  private static List<Entry> prepare(Digest chainId, int count, List<Ed25519PrivateKey> registrars) {
    SecureRandom random = new SecureRandom(); // thread-safe
    return java.util.stream.IntStream.range(0, count).parallel()
        .mapToObj(i -> registration(chainId, random, registrars.get(i % registrars.size()))).toList();
  }

  private static Entry registration(Digest chainId, SecureRandom random, Ed25519PrivateKey registrar) {
    Ed25519PrivateKey pk = Ed25519PrivateKey.generate(random);
    return Entry.sign(new PatientRegistration(pk.publicKey(), System.currentTimeMillis(), List.of()), chainId, pk,
        registrar);
  }

  /**
   * The signing keys of the institutions whose key stores ({@code *.json}) are in {@code dir}, by
   * file name; {@code opened} destroys them.
   */
  private static List<Ed25519PrivateKey> institutionKeys(Path dir, char[] pass, OpenedKeys opened)
      throws java.io.IOException {
    if (!Files.isDirectory(dir)) {
      throw new CliException("--institutions " + dir + " is not a directory");
    }
    List<Path> files;
    try (java.util.stream.Stream<Path> l = Files.list(dir)) {
      files = l.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new CliException("--institutions " + dir + " holds no institution key store (*.json)");
    }
    List<Ed25519PrivateKey> out = new ArrayList<>();
    for (Path f : files) {
      out.add(opened.open(f, pass).ledgerSecretKey());
    }
    return out;
  }

  private static NodeClient connect(ClientConfig cc, int i, TlsIdentity identity) {
    ClientConfig.NodeEndpointConfig e = cc.nodes().get(i);
    return NodeClient.connect(e.address(), e.key(), identity);
  }

  /** Acknowledged ids that every reachable node holds. */
  private static long countFinal(AtomicReferenceArray<NodeClient> clients, List<Digest> ids, PrintStream err) {
    boolean[] everywhere = new boolean[ids.size()];
    Arrays.fill(everywhere, true);
    int asked = 0;
    for (int i = 0; i < clients.length(); i++) {
      NodeClient c = clients.get(i);
      if (c == null || !c.isOpen()) {
        continue;
      }
      try {
        for (int from = 0; from < ids.size(); from += 50_000) {
          List<Digest> part = ids.subList(from, Math.min(ids.size(), from + 50_000));
          boolean[] has = c.contains(part).get(30, TimeUnit.SECONDS);
          for (int j = 0; j < has.length; j++) {
            everywhere[from + j] &= has[j];
          }
        }
        asked++;
      } catch (Exception e) {
        err.println("medledger: warning: node " + i + " did not answer the final check: " + e.getMessage());
      }
    }
    if (asked == 0) {
      return 0;
    }
    long f = 0;
    for (boolean b : everywhere) {
      f += b ? 1 : 0;
    }
    return f;
  }

  /**
   * One JSON line per second of the timed phase in which something was submitted that was
   * acknowledged: {@code {"second":S,"acknowledged":A,"p50_ms":X,"p99_ms":Y,"max_ms":Z}}, the
   * acknowledgements of the entries submitted in second S (from 0) and their latencies.
   *
   * @param latencies pairs of (latency, submission time since the phase began), in nanoseconds
   */
  static List<String> timeline(java.util.Collection<long[]> latencies) {
    java.util.TreeMap<Long, List<Long>> bySecond = new java.util.TreeMap<>();
    for (long[] l : latencies) {
      bySecond.computeIfAbsent(l[1] / 1_000_000_000L, k -> new ArrayList<>()).add(l[0]);
    }
    List<String> lines = new ArrayList<>(bySecond.size());
    for (var e : bySecond.entrySet()) {
      long[] sorted = e.getValue().stream().mapToLong(Long::longValue).sorted().toArray();
      lines.add(String.format(java.util.Locale.ROOT,
          "{\"second\":%d,\"acknowledged\":%d,\"p50_ms\":%d,\"p99_ms\":%d,\"max_ms\":%d}", e.getKey(),
          sorted.length, percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 100)));
    }
    return lines;
  }

  private static long percentile(long[] sorted, int p) {
    if (sorted.length == 0) {
      return 0;
    }
    int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return Math.round(sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1e6);
  }
}

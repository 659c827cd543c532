package io.medledger.cli;

import io.medledger.access.ParticipantId;
import io.medledger.chain.BlockCandidate;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.Certificate;
import io.medledger.chain.CertificatePolicy;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Endorsement;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.chain.ValidationResult;
import io.medledger.chain.VerifiedBlock;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.internal.bench.SyntheticWorkload;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StateStore;
import io.medledger.tlog.TileLog;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@code medledger bench ingest --dir D --entries N [--block B] [--seed S] [--window W]} builds a file-backed
 * ledger (blocks in {@code D/blocks} in 64 MiB segments, state in RocksDB in {@code D/state}, the
 * ledger-wide log as tiles in {@code D/log}) of N signed, validated entries; {@code medledger bench query --dir D
 * [--count Q]} reopens it and times queries.
 *
 * <p>The workload: a genesis block (20 institutions, a federation server, an audit server, a
 * storage node), a block of 200 clinicians, then blocks of B entries drawn as 2% patient
 * registrations, 40% records, 8% treatment grants, 46% reads (access events) and 4% revocations.
 * Patients beyond the 10,000 most recent are no longer drawn (they keep their history), so the
 * generator's memory is bounded. Entries are built and signed outside the timed part (on all
 * cores); the timed part is what a bookkeeping node does for its own proposal: verify every
 * signature (on all cores), authorize, compute the roots, certify, append durably and commit the
 * state. Every 20th block is also verified alone, timed apart, for the signature-verification
 * ceiling of the same run.
 */
final class IngestBench {
  private static final String CHAIN = "medledger-bench";
  private static final long START = 1_767_225_600_000L;
  private static final int INSTITUTIONS = SyntheticWorkload.INSTITUTIONS;
  private static final int CLINICIANS = SyntheticWorkload.CLINICIANS;
  private static final String PROPERTIES = "bench.properties";
  /** The most bytes of {@link #PROPERTIES} read: it holds two short lines. */
  private static final int MAX_PROPERTIES_BYTES = 4096;
  /** Entries built and signed (untimed) before each timed window of the pipeline ({@code --window}). */
  static final int WINDOW_ENTRIES = 24_000;
  /**
   * How far (in entries) signature verification may run ahead of the proposer: well within the
   * ledger's cache of entries verified ahead, so that none is evicted and verified again.
   */
  static final int LEAD_ENTRIES = 3_000;

  private IngestBench() {}

  /**
   * The bench chain's rules: blocks of {@code block} entries, in which a registrar may countersign
   * every registration (the workload's few institutions register all its patients, so the default
   * per-registrar bound would defer most of each block).
   */
  static ChainParameters params(int block) {
    int entries = Math.max(block, CLINICIANS);
    return ChainParameters.defaults(CHAIN).withMaxBlockEntries(entries).withRegistrationBound(entries, 0);
  }

  static Ledger open(Path dir, ChainParameters params, Clock clock) {
    return open(dir, params, clock, new long[4]);
  }

  /** Opens the bench's ledger; {@code nanos} receives the time to open each store and then the ledger. */
  static Ledger open(Path dir, ChainParameters params, Clock clock, long[] nanos) {
    long t0 = System.nanoTime();
    // 64 MiB segments: opening verifies the last segment, so this bounds the reopen's reading.
    FileBlockStore blocks = FileBlockStore.open(dir.resolve("blocks"),
        FileBlockStore.Options.defaults().withSegmentSize(64L << 20));
    long t1 = System.nanoTime();
    StateStore state;
    TileLog log;
    try {
      state = StateStore.rocksDb(dir.resolve("state"));
    } catch (RuntimeException e) {
      blocks.close();
      throw e;
    }
    long t2 = System.nanoTime();
    try {
      log = TileLog.open(dir.resolve("log"));
    } catch (RuntimeException e) {
      blocks.close();
      state.close();
      throw e;
    }
    long t3 = System.nanoTime();
    Ledger l = Ledger.builder(params).store(blocks).state(state).log(log).clock(clock)
        .certificatePolicy(CertificatePolicy.auditQuorum()).open();
    long t4 = System.nanoTime();
    nanos[0] = t1 - t0;
    nanos[1] = t2 - t1;
    nanos[2] = t3 - t2;
    nanos[3] = t4 - t3;
    return l;
  }

  /** A clock the bench moves by hand. */
  static final class BenchClock extends Clock {
    volatile long now = START;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now);
    }

    @Override
    public long millis() {
      return now;
    }
  }

  /** Seconds to verify every signature of {@code entries} on all cores (what the ledger does). */
  private static double verifySeconds(List<Entry> entries, Digest chainId) {
    AtomicBoolean ok = new AtomicBoolean(true);
    long t0 = System.nanoTime();
    IntStream.range(0, entries.size()).parallel().forEach(i -> {
      Entry e = entries.get(i);
      byte[] m = e.signingMessage(chainId);
      for (Endorsement en : e.endorsements()) {
        if (!en.verify(m)) {
          ok.set(false);
        }
      }
    });
    double s = (System.nanoTime() - t0) / 1e9;
    if (!ok.get()) {
      throw new IllegalStateException("a generated signature did not verify");
    }
    return s;
  }

  private static void requireValid(List<Entry> badSignatures) {
    if (!badSignatures.isEmpty()) {
      throw new IllegalStateException("a generated signature did not verify");
    }
  }

  private static void commit(Ledger ledger, SyntheticWorkload w, long now, List<Entry> entries, Ed25519PrivateKey audit) {
    ValidationResult<BlockCandidate> c = ledger.propose(SyntheticWorkload.id(w.federation), 0, ByteString.EMPTY, now, entries);
    if (!c.isAccepted()) {
      throw new IllegalStateException("proposal refused: " + c.reason());
    }
    BlockCandidate bc = c.value();
    if (!bc.rejected().isEmpty() || !bc.deferred().isEmpty()) {
      throw new IllegalStateException("the ledger refused a generated entry: "
          + (bc.rejected().isEmpty() ? "deferred" : bc.rejected().get(0).reason()));
    }
    VerifiedBlock vb = bc.block();
    ValidationResult<?> r = ledger.append(vb, Certificate.sign(vb.header(), audit));
    if (!r.isAccepted()) {
      throw new IllegalStateException("append refused: " + r.reason());
    }
  }

  /**
   * Proposes and appends {@code window}'s blocks in order (block i at {@code times.get(i)}), while
   * {@code ahead} verifies the signatures of blocks 1.. at most {@code lead} blocks beyond the last
   * appended one. Every signature is verified once: ahead, or by propose for the first block.
   */
  static void ingestWindow(Ledger ledger, SyntheticWorkload w, BenchClock clock, List<List<Entry>> window,
      List<Long> times, int lead, ExecutorService ahead) throws InterruptedException, ExecutionException {
    Semaphore room = new Semaphore(lead);
    List<CompletableFuture<List<Entry>>> verified = new ArrayList<>(window.size());
    for (int i = 0; i < window.size(); i++) {
      verified.add(new CompletableFuture<>());
    }
    verified.get(0).complete(List.of());
    Future<?> verifier = ahead.submit(() -> {
      try {
        for (int i = 1; i < window.size(); i++) {
          room.acquire();
          verified.get(i).complete(ledger.verifySignaturesAhead(window.get(i)));
        }
      } catch (InterruptedException | RuntimeException e) {
        verified.forEach(f -> f.completeExceptionally(e));
      }
    });
    try {
      for (int i = 0; i < window.size(); i++) {
        requireValid(verified.get(i).get());
        clock.now = times.get(i);
        commit(ledger, w, times.get(i), window.get(i), w.audit);
        room.release();
      }
      verifier.get();
    } finally {
      verifier.cancel(true);
    }
  }

  static int ingest(Args a, PrintStream out) throws IOException {
    Path dir = Path.of(a.required("dir"));
    long n = a.requiredLong("entries");
    int block = a.optionalInt("block", 1000);
    long seed = a.optionalLong("seed", 1);
    long windowEntries = a.optionalLong("window", WINDOW_ENTRIES);
    a.rejectUnknown();
    if (block < 10 || block > 10_000) {
      throw new CliException("--block must be 10..10000");
    }
    if (windowEntries < 2L * block || windowEntries > 1_000_000) {
      throw new CliException("--window must be 2 blocks..1000000 entries");
    }
    if (n < INSTITUTIONS + 3 + CLINICIANS + block || n > 10_000_000_000L) {
      throw new CliException("--entries must be " + (INSTITUTIONS + 3 + CLINICIANS + block) + "..10000000000");
    }
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) { // listing a named pipe would block until something writes to it
        throw new CliException("--dir " + dir + " is not a directory");
      }
      try (Stream<Path> s = Files.list(dir)) {
        if (s.findAny().isPresent()) {
          throw new CliException("--dir " + dir + " is not empty");
        }
      }
    }
    ChainParameters params = params(block);
    Digest chainId = params.chainId();
    BenchClock clock = new BenchClock();
    SyntheticWorkload w = new SyntheticWorkload(seed);
    long ingestNanos = 0;
    long generateNanos = 0;
    double ceilingSeconds = 0;
    long ceilingEntries = 0;
    long done = 0;
    long blocks = 0;
    try (Ledger ledger = open(dir, params, clock)) {
      for (int setup = 0; setup < 2; setup++) {
        List<Ed25519PrivateKey[]> signers = new ArrayList<>();
        List<Entry> es = setup == 0 ? w.genesis(clock.now, signers) : w.clinicians(clock.now, signers);
        commit(ledger, w, clock.now, SyntheticWorkload.sign(es, signers, chainId), w.audit);
        done += es.size();
        clock.now += 1000;
      }
      out.println("setup_entries=" + done);
      // The node's pipeline, a window of blocks at a time: the entries of up to WINDOW_ENTRIES are
      // built and signed first (untimed); then, timed, a second thread verifies the signatures of
      // the window's blocks ahead (on all cores, at most LEAD_ENTRIES ahead of the proposer, as
      // admission to a node's pending pool does) while the main thread proposes and appends each
      // block in turn; propose finds them verified. The window's first block is verified by
      // propose itself (on all cores) while the second is verified ahead.
      ExecutorService ahead = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bench-verify-ahead");
        t.setDaemon(true);
        return t;
      });
      long step = Math.max(1000, block);
      int windowBlocks = (int) (windowEntries / block);
      int lead = Math.max(1, LEAD_ENTRIES / block);
      long time = clock.now;
      try {
        while (done < n) {
          List<List<Entry>> window = new ArrayList<>(windowBlocks);
          List<Long> times = new ArrayList<>(windowBlocks);
          long planned = done;
          while (window.size() < windowBlocks && planned < n) {
            long g0 = System.nanoTime();
            List<Entry> es = w.nextBlock(time, (int) Math.min(block, n - planned), chainId);
            generateNanos += System.nanoTime() - g0;
            if ((blocks + window.size()) % 20 == 0) {
              ceilingSeconds += verifySeconds(es, chainId);
              ceilingEntries += es.size();
            }
            window.add(es);
            times.add(time);
            time += step;
            planned += es.size();
          }
          long t0 = System.nanoTime();
          ingestWindow(ledger, w, clock, window, times, lead, ahead);
          ingestNanos += System.nanoTime() - t0;
          done = planned;
          blocks += window.size();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException("interrupted");
      } catch (ExecutionException e) {
        throw new IllegalStateException("verifying ahead failed: " + e.getCause(), e.getCause());
      } finally {
        ahead.shutdownNow();
      }
      double ceiling = ceilingEntries / ceilingSeconds;
      double seconds = ingestNanos / 1e9;
      double rate = (n - (INSTITUTIONS + 3 + CLINICIANS)) / seconds;
      long heap = heapAfterGc();
      Properties p = new Properties();
      p.setProperty("block", Integer.toString(block));
      p.setProperty("patients", Long.toString(w.patients()));
      p.setProperty("entries", Long.toString(n));
      java.io.StringWriter props = new java.io.StringWriter();
      p.store(props, "medledger bench ingest");
      // owner-only whatever the umask, as everything else the ledger writes in the directory
      CliFiles.write(dir.resolve(PROPERTIES), props.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
      long blocksBytes = du(dir.resolve("blocks"));
      long stateBytes = du(dir.resolve("state"));
      long tilesBytes = du(dir.resolve("log"));
      out.printf("generate_seconds=%.1f (building and signing the entries, not counted)%n", generateNanos / 1e9);
      out.printf("verify_ceiling_entries_per_s=%.0f (every 20th block's signatures alone on all cores, %d entries)%n",
          ceiling, ceilingEntries);
      out.printf("ingest_to_ceiling=%.2f%n", rate / ceiling);
      out.printf("patients=%d blocks=%d%n", w.patients(), ledger.height() + 1);
      out.printf("disk_bytes_per_entry blocks=%.0f state=%.0f tiles=%.0f (state with its unflushed write-ahead log)%n",
          blocksBytes / (double) n, stateBytes / (double) n, tilesBytes / (double) n);
      out.printf("entries=%d seconds=%.1f entries_per_s=%.0f heap_mb=%.0f%n", n, seconds, rate, heap / 1048576.0);
    }
    return 0;
  }

  static int query(Args a, PrintStream out) throws IOException {
    Path dir = Path.of(a.required("dir"));
    int count = a.optionalInt("count", 1000);
    long seed = a.optionalLong("seed", 2);
    a.rejectUnknown();
    if (count < 1 || count > 1_000_000) {
      throw new CliException("--count must be 1..1000000");
    }
    Properties p = new Properties();
    Path props = dir.resolve(PROPERTIES);
    if (!Files.exists(props)) {
      throw new CliException("no " + PROPERTIES + " in " + dir + ": not made by bench ingest");
    }
    int block;
    long patients;
    try {
      String text = io.medledger.internal.BoundedInput.utf8(CliFiles.read(props, MAX_PROPERTIES_BYTES), props.toString());
      p.load(new java.io.StringReader(text));
      block = Integer.parseInt(String.valueOf(p.getProperty("block")));
      patients = Long.parseLong(String.valueOf(p.getProperty("patients")));
    } catch (IllegalArgumentException | io.medledger.codec.MalformedEncodingException e) {
      throw new CliException(props + " is not the block=N and patients=N that bench ingest writes");
    }
    long t0 = System.nanoTime();
    long[] parts = new long[4];
    try (Ledger ledger = open(dir, params(block), Clock.systemUTC(), parts)) {
      double reopenMs = (System.nanoTime() - t0) / 1e6;
      BlockHeader tip = ledger.tip().orElseThrow();
      Random random = new Random(seed);
      ParticipantId[] ids = new ParticipantId[count];
      for (int i = 0; i < count; i++) {
        ids[i] = ParticipantId.of(SyntheticWorkload.patientKey((long) (random.nextDouble() * patients)).publicKey());
      }
      // Warm-up (not timed): compile the query paths on other patients and entries first.
      Random warm = new Random(seed ^ 0x5eed);
      for (Digest e : randomEntries(ledger, tip, warm, Math.min(count, 200))) {
        ledger.patientHistory(ParticipantId.of(SyntheticWorkload.patientKey((long) (warm.nextDouble() * patients)).publicKey()));
        ledger.ledgerInclusionProof(e, tip.height());
      }
      Digest[] entries = randomEntries(ledger, tip, random, count);
      // Wall-clock times, and the thread's CPU time per query: on a loaded host the wall-clock
      // tail is mostly waiting for a core, which the CPU time leaves out.
      java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long[] history = new long[count];
      long[] historyCpu = new long[count];
      long historyEntries = 0;
      for (int i = 0; i < count; i++) {
        long c0 = threads.getCurrentThreadCpuTime();
        long q0 = System.nanoTime();
        PatientHistoryProof h = ledger.patientHistory(ids[i]);
        history[i] = System.nanoTime() - q0;
        historyCpu[i] = threads.getCurrentThreadCpuTime() - c0;
        historyEntries += h.subBlocks().stream().mapToInt(s -> s.entries().size()).sum();
        if (i < 20 && !h.verify(tip).isAccepted()) {
          throw new IllegalStateException("a patient history did not verify");
        }
      }
      long[] inclusion = new long[count];
      long[] inclusionCpu = new long[count];
      for (int i = 0; i < count; i++) {
        long c0 = threads.getCurrentThreadCpuTime();
        long q0 = System.nanoTime();
        var proof = ledger.ledgerInclusionProof(entries[i], tip.height()).orElseThrow();
        inclusion[i] = System.nanoTime() - q0;
        inclusionCpu[i] = threads.getCurrentThreadCpuTime() - c0;
        if (i < 20 && !proof.verify(tip)) {
          throw new IllegalStateException("an inclusion proof did not verify");
        }
      }
      out.printf("reopen_ms=%.0f height=%d entries=%d%n", reopenMs, tip.height(), tip.ledgerSize());
      out.printf("reopen_parts_ms block_store=%.0f state_store=%.0f tile_log=%.0f ledger=%.0f%n", parts[0] / 1e6,
          parts[1] / 1e6, parts[2] / 1e6, parts[3] / 1e6);
      out.printf("history queries=%d mean_entries=%.1f p50_ms=%.2f p99_ms=%.2f cpu_p50_ms=%.2f cpu_p99_ms=%.2f%n",
          count, historyEntries / (double) count, pct(history, 50), pct(history, 99), pct(historyCpu, 50),
          pct(historyCpu, 99));
      out.printf("inclusion queries=%d p50_ms=%.2f p99_ms=%.2f cpu_p50_ms=%.2f cpu_p99_ms=%.2f%n", count,
          pct(inclusion, 50), pct(inclusion, 99), pct(inclusionCpu, 50), pct(inclusionCpu, 99));
      out.printf("heap_mb=%.0f%n", heapAfterGc() / 1048576.0);
      double n = tip.ledgerSize();
      out.printf("disk_bytes_per_entry blocks=%.0f state=%.0f tiles=%.0f (after reopening: the log flushed)%n",
          du(dir.resolve("blocks")) / n, du(dir.resolve("state")) / n, du(dir.resolve("log")) / n);
    }
    return 0;
  }

  /** The ids of {@code count} entries drawn at random from the blocks after the setup. */
  private static Digest[] randomEntries(Ledger ledger, BlockHeader tip, Random random, int count) {
    Digest[] out = new Digest[count];
    for (int i = 0; i < count; i++) {
      List<Entry> es = ledger.block(2 + (long) (random.nextDouble() * (tip.height() - 1))).block().entries();
      out[i] = es.get(random.nextInt(es.size())).id();
    }
    return out;
  }

  private static double pct(long[] nanos, int p) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1e6;
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long du(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}

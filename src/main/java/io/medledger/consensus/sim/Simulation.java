package io.medledger.consensus.sim;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.Action;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.consensus.ConsensusConfig;
import io.medledger.consensus.ConsensusContext;
import io.medledger.consensus.ConsensusMessage;
import io.medledger.consensus.ConsensusProtocol;
import io.medledger.consensus.Event;
import io.medledger.consensus.Equivocation;
import io.medledger.consensus.InMemorySafetyStore;
import io.medledger.consensus.VoterSet;
import io.medledger.consensus.ProposalContext;
import io.medledger.consensus.Protocols;
import io.medledger.consensus.QuorumProtocol;
import io.medledger.consensus.RotatingAuditProtocol;
import io.medledger.consensus.SafetyStore;
import io.medledger.consensus.SignatureVerifier;
import io.medledger.consensus.Statement;
import io.medledger.consensus.StatementKind;
import io.medledger.consensus.ValidationVerdict;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A deterministic, seeded, event-driven simulation of one consensus protocol over a faulty
 * network: latency distributions, loss, duplication, reordering, partitions that heal, crashes
 * and restarts with durable stores, clock skew and Byzantine behaviours, chosen by a
 * {@link Scenario}. After every step it checks agreement, validity and accountability; at the end
 * it checks liveness (entries submitted after stabilization are final within a bound derived from
 * a bounded number of rounds). The same configuration and seed give the same run, event for
 * event ({@link SimulationResult#trace()}).
 *
 * <p>Configure with the fluent setters, then call {@link #run()} once. Not thread-safe; separate
 * instances are independent.
 */
public final class Simulation {
  private static final long EPOCH = 1_700_000_000_000L;

  private final String protocol;
  private final long seed;
  private Scenario scenario;
  private int servers = 4;
  private int auditors = 4;
  private double entriesPerSecond = 15;
  private int payloadBytes = 48;
  private long minLatency = 1;
  private long maxLatency = 5;
  private long stabilizeAt = 3_000;
  private long submitUntil = 4_500;
  private long rejectAllUntil = -1;
  private ConsensusConfig consensus = defaultConfig();
  private boolean shareVerification = true;
  private boolean stopWhenDone = true;
  private SignatureVerifier verifier = SignatureVerifier.DIRECT;

  // run state
  private SplittableRandom net;
  private SplittableRandom work;
  private long now;
  private long seq;
  private final PriorityQueue<Ev> queue = new PriorityQueue<>();
  private final List<Node> nodes = new ArrayList<>();
  private final Map<Ed25519PublicKey, Integer> indexOf = new HashMap<>();
  private VoterSet membership;
  private List<Ed25519PublicKey> voters;
  private Digest chainId;
  private int[] partition;
  private double loss;
  private double duplication;
  private long latencyMin;
  private long latencyMax;
  private final Map<Long, Digest> finalHash = new HashMap<>();
  private SimApp oracle;
  private final LinkedHashMap<Digest, long[]> submitted = new LinkedHashMap<>();
  private final List<String> safety = new ArrayList<>();
  private final List<String> liveness = new ArrayList<>();
  private final Map<String, Set<Digest>> received = new HashMap<>();
  private long evidence;
  private long rejections;
  private long messages;
  private long finalEntries;
  private final MessageDigest trace = Sha256.newMessageDigest();
  private final List<Ed25519PrivateKey> clients = new ArrayList<>();
  private long nonce;
  private boolean ran;
  private java.util.function.LongSupplier cpuClock;
  private long[] cpuNanos;
  private List<byte[]> presigned;
  private final Map<Integer, Long> forcedOffset = new HashMap<>();
  private final Map<Long, Long> finalTime = new HashMap<>();
  private final Map<String, Long> metrics = new java.util.TreeMap<>();
  private int victim = -1;
  private long outageMillis = 12_000;
  private long victimTarget = -1;
  private long victimRestartAt = -1;
  private long floodCounter;
  private long byzantineDeliveries;
  private long largestHonestBlock = 1024;
  private final Map<String, Digest> honestStatements = new HashMap<>();
  // the lock attack (COLLUDING_EQUIVOCATION)
  private int equivocator = -1;
  private int colluder = -1;
  private int isolated = -1;
  /** The {@link Behaviour#SILENT} node, which sends nothing from {@code silentFrom} on. */
  private int silent = -1;
  private long silentFrom = Long.MAX_VALUE;
  /** Clients submit to the members that can propose (the federation) only. */
  private boolean submitToBookkeepers;
  private int locked = -1;
  private long attackHeight = -1;
  private int attackRound = -1;
  private SimBlock attackBlock;
  private boolean lockedCrashed;
  // reconfiguration: the membership by height, as change points (RECONFIGURATION adds and removes)
  private final java.util.TreeMap<Long, VoterSet> schedule = new java.util.TreeMap<>();
  private int spare = -1;
  private boolean syncingObservers;

  private Simulation(String protocol, long seed) {
    if (!Protocols.names().contains(protocol)) {
      throw new IllegalArgumentException("unknown consensus protocol '" + protocol + "'; known: " + Protocols.names());
    }
    this.protocol = protocol;
    this.seed = seed;
    this.scenario = Scenario.forSeed(protocol, seed);
    members(4, 4);
  }

  /** A simulation of {@code protocol} with the seed's scenario and default settings. */
  public static Simulation of(String protocol, long seed) {
    return new Simulation(protocol, seed);
  }

  /** The consensus tuning the simulator uses by default (short LAN timeouts, 100-entry blocks). */
  public static ConsensusConfig defaultConfig() {
    return new ConsensusConfig(100, 1 << 20, Duration.ofMillis(100), Duration.ofMillis(200), 4,
        Duration.ofMillis(250), 100_000, 16 << 20, 256, true);
  }

  /** Runs {@code s} instead of the seed's scenario. */
  public Simulation scenario(Scenario s) {
    this.scenario = s;
    return this;
  }

  /** Federation servers (bft: validators) and audit servers (ignored by bft and solo). */
  public Simulation members(int federation, int audit) {
    if (federation < 1 || audit < 0 || (protocol.equals("rotating-audit") && audit < 1)) {
      throw new IllegalArgumentException("need at least one federation server (and one audit server for rotating-audit)");
    }
    this.servers = protocol.equals("solo") ? 1 : federation;
    this.auditors = protocol.equals("rotating-audit") ? audit : 0;
    return this;
  }

  /** Entries submitted per simulated second (Poisson) and their payload size. */
  public Simulation workload(double perSecond, int payload) {
    this.entriesPerSecond = perSecond;
    this.payloadBytes = payload;
    return this;
  }

  /**
   * Submits these encoded entries, in order, instead of generating and signing entries during the
   * run (benchmarks pre-sign them so that client work is not measured). The rate still applies;
   * submissions stop when the list is exhausted.
   */
  public Simulation entries(List<byte[]> encoded) {
    this.presigned = new ArrayList<>(encoded);
    return this;
  }

  /** Base one-way latency, uniform in [min, max] milliseconds (scenarios may widen it). */
  public Simulation latency(long min, long max) {
    if (min < 0 || max < min) {
      throw new IllegalArgumentException("latency needs 0 <= min <= max");
    }
    this.minLatency = min;
    this.maxLatency = max;
    return this;
  }

  /** When faults end and when submissions stop (simulated milliseconds). */
  public Simulation timeline(long stabilize, long stopSubmitting) {
    this.stabilizeAt = stabilize;
    this.submitUntil = stopSubmitting;
    return this;
  }

  /**
   * How long the voter of {@link Scenario#LONG_OUTAGE} stays down (default 12 s of simulated time;
   * stabilization follows 0.5 s after its return).
   */
  public Simulation outage(long millis) {
    if (millis < 1_000) {
      throw new IllegalArgumentException("an outage lasts at least 1 s");
    }
    this.outageMillis = millis;
    return this;
  }

  /** Honest validators reject every block until this simulated time. */
  public Simulation rejectAllUntil(long millis) {
    this.rejectAllUntil = millis;
    return this;
  }

  /**
   * Whether simulated nodes share one memoizing signature verifier (default true: much faster,
   * same results). Benchmarks of per-node CPU turn it off.
   */
  public Simulation shareVerification(boolean share) {
    this.shareVerification = share;
    return this;
  }

  /**
   * Whether the run ends as soon as submissions are over, every entry is final and every honest
   * running node has caught up (default true), rather than at the end of the liveness window.
   */
  public Simulation stopWhenDone(boolean stop) {
    this.stopWhenDone = stop;
    return this;
  }

  /**
   * Measures the time spent inside each node's protocol and application with {@code clock} (for
   * example the current thread's CPU time in nanoseconds from {@code ThreadMXBean}); null, the
   * default, measures nothing. The trace does not depend on it. Reported by
   * {@link SimulationResult#nodeCpuNanos()}.
   */
  public Simulation measureCpu(java.util.function.LongSupplier clock) {
    this.cpuClock = clock;
    return this;
  }

  /** The protocol tuning (default {@link #defaultConfig()}). */
  public Simulation consensus(ConsensusConfig c) {
    this.consensus = c;
    return this;
  }

  /** The time bound within which an entry submitted after stabilization must be final. */
  public long livenessBoundMillis() {
    int rounds = servers + 3;
    long sum = 0;
    for (int i = 0; i < rounds; i++) {
      sum += consensus.roundTimeout().toMillis() << Math.min(i, consensus.maxBackoffExponent());
    }
    return sum + consensus.maxBatchDelay().toMillis() + 4 * consensus.retransmitInterval().toMillis()
        + 20 * latencyMaxFor();
  }

  private long latencyMaxFor() {
    return scenario == Scenario.LOSSY ? Math.max(maxLatency, 40) : maxLatency;
  }

  // ------------------------------------------------------------------ model

  private final class Node {
    final int index;
    final Ed25519PrivateKey key;
    final SimLedger ledger = new SimLedger();
    final InMemorySafetyStore durable = new InMemorySafetyStore();
    boolean crashOnNextSave;
    boolean crashAfterNextSave;
    boolean crashPending;
    final SafetyStore safetyStore = new SafetyStore() {
      @Override
      public Optional<byte[]> load() {
        return durable.load();
      }

      @Override
      public void save(byte[] state) {
        if (crashOnNextSave) {
          crashOnNextSave = false;
          // Power fails while the new state is written: the temporary file is torn and discarded,
          // the durable state stays the old one, and nothing of this step leaves the node.
          throw new CrashDuringSave();
        }
        durable.save(state);
        if (crashAfterNextSave) {
          // Power fails right after the step's messages leave the node.
          crashAfterNextSave = false;
          crashPending = true;
        }
      }
    };
    Behaviour behaviour = Behaviour.HONEST;
    long offset;
    double drift;
    boolean up = true;
    int incarnation;
    SimApp app;
    ConsensusProtocol proto;
    final Set<String> evidenceKeys = new HashSet<>();

    Node(int index, Ed25519PrivateKey key) {
      this.index = index;
      this.key = key;
    }

    boolean honest() {
      return behaviour == Behaviour.HONEST;
    }

    void boot() {
      app = new SimApp(chainId, Simulation.this::membershipAt, ledger, skewBoundMillis(), verifier);
      if (rejectAllUntil >= 0 && honest()) {
        app.rejectWhen(b -> Simulation.this.now < rejectAllUntil
            ? Optional.of("told to reject until " + rejectAllUntil) : Optional.empty());
      }
      Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public long millis() {
          return EPOCH + Simulation.this.now + offset;
        }

        @Override
        public Instant instant() {
          return Instant.ofEpochMilli(millis());
        }
      };
      ConsensusContext ctx = new ConsensusContext(key, clock, new SplittableRandom(seed * 31 + index * 7919L + incarnation),
          safetyStore, verifier);
      proto = Protocols.create(protocol, app, ctx, consensus);
      evidenceKeys.clear();
      received.keySet().removeIf(k -> k.startsWith(index + "/"));
      handle(this, new Event.Start());
    }
  }

  /** Thrown by a simulated safety store when the node loses power in the middle of a save. */
  private static final class CrashDuringSave extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CrashDuringSave() {
      super("simulated power loss during a safety-state save", null, false, false);
    }
  }

  private record Ev(long time, long seq, int node, int kind, Object payload, int incarnation)
      implements Comparable<Ev> {
    @Override
    public int compareTo(Ev o) {
      return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
    }
  }

  private static final int DELIVER = 0, TIMER = 1, SUBMIT = 2, CRASH = 3, RESTART = 4, PART = 5, HEAL = 6,
      FLOOD = 7, ARM_TORN_SAVE = 8;

  private record Delivery(int from, byte[] bytes) {}

  private void schedule(long time, int node, int kind, Object payload, int incarnation) {
    queue.add(new Ev(time, seq++, node, kind, payload, incarnation));
  }

  private long maxOffset() {
    return scenario == Scenario.CLOCK_SKEW ? 300 : 20;
  }

  // ------------------------------------------------------------------ run

  /** Runs the simulation to its end and returns the result. May be called once. */
  public SimulationResult run() {
    if (ran) {
      throw new IllegalStateException("a simulation runs once");
    }
    ran = true;
    verifier = shareVerification ? new MemoizingVerifier(1 << 18) : SignatureVerifier.DIRECT;
    SplittableRandom master = new SplittableRandom(seed);
    net = master.split();
    work = master.split();
    SplittableRandom setup = master.split();
    chainId = Sha256.hash(("medledger/sim/chain/" + seed).getBytes(StandardCharsets.US_ASCII));
    if (scenario == Scenario.TORN_SAFETY_WRITE) {
      if (protocol.equals("bft") && servers == 4) {
        servers = 6;
      } else if (protocol.equals("rotating-audit") && auditors == 4) {
        auditors = 6;
      }
    }
    int total = servers + auditors + (scenario == Scenario.RECONFIGURATION ? 1 : 0);
    cpuNanos = new long[total];
    for (int i = 0; i < total; i++) {
      Ed25519PrivateKey k = Ed25519PrivateKey.fromSeed(
          Sha256.hash(("medledger/sim/node/" + i).getBytes(StandardCharsets.US_ASCII)).toByteArray());
      nodes.add(new Node(i, k));
      indexOf.put(k.publicKey(), i);
    }
    for (int i = 0; i < 8; i++) {
      clients.add(Ed25519PrivateKey.fromSeed(
          Sha256.hash(("medledger/sim/client/" + i).getBytes(StandardCharsets.US_ASCII)).toByteArray()));
    }
    List<Ed25519PublicKey> fed = new ArrayList<>();
    List<Ed25519PublicKey> aud = new ArrayList<>();
    for (int i = 0; i < servers + auditors; i++) {
      (i < servers ? fed : aud).add(nodes.get(i).key.publicKey());
    }
    spare = total > servers + auditors ? servers + auditors : -1;
    membership = new VoterSet(fed, aud);
    schedule.put(1L, membership);
    voters = Protocols.voters(protocol, membership);
    configureScenario(setup);
    oracle = new SimApp(chainId, this::membershipAt, new SimLedger(), Long.MAX_VALUE / 4, SignatureVerifier.DIRECT);
    for (Node n : nodes) {
      n.offset = forcedOffset.getOrDefault(n.index, setup.nextLong(-maxOffset(), maxOffset() + 1));
      n.drift = scenario == Scenario.CLOCK_SKEW ? setup.nextDouble(-0.005, 0.005) : 0;
      n.boot();
    }
    double t = 0;
    while (entriesPerSecond > 0) {
      t += -Math.log(1 - work.nextDouble()) * 1000.0 / entriesPerSecond;
      if (t >= submitUntil) {
        break;
      }
      schedule((long) t, -1, SUBMIT, null, 0);
    }
    long end = submitUntil + livenessBoundMillis();
    long nextDoneCheck = submitUntil;
    while (!queue.isEmpty() && queue.peek().time() <= end) {
      Ev e = queue.poll();
      now = e.time();
      step(e);
      if (stopWhenDone && now >= nextDoneCheck) {
        nextDoneCheck = now + 100;
        if (done()) {
          end = now;
          break;
        }
      }
    }
    now = end;
    checkLiveness(end);
    checkCaughtUp(end);
    for (Node n : nodes) {
      if (n.up && n.honest()) {
        checkMemory(n);
      }
    }
    long height = finalHash.size();
    List<Long> lat = new ArrayList<>();
    for (long[] s : submitted.values()) {
      if (s[0] >= stabilizeAt && s[1] >= 0) {
        lat.add(s[1] - s[0]);
      }
    }
    long[] latencies = lat.stream().mapToLong(Long::longValue).toArray();
    return new SimulationResult(protocol, seed, scenario, servers, auditors, height, finalEntries, safety,
        liveness, evidence, rejections, messages, latencies, Digest.of(trace.digest()), cpuNanos, metrics);
  }

  private boolean done() {
    for (long[] s : submitted.values()) {
      if (s[1] < 0 && s[0] >= stabilizeAt) {
        return false;
      }
    }
    long h = finalHash.size() + 1;
    for (Node n : nodes) {
      if (n.honest() && (!n.up || n.proto.height() != h)) {
        return false;
      }
    }
    return true;
  }

  private List<Integer> voterNodes() {
    List<Integer> out = new ArrayList<>();
    for (Ed25519PublicKey k : voters) {
      out.add(indexOf.get(k));
    }
    return out;
  }

  private List<Integer> pick(SplittableRandom r, List<Integer> from, int count) {
    List<Integer> pool = new ArrayList<>(from);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < count && !pool.isEmpty(); i++) {
      out.add(pool.remove(r.nextInt(pool.size())));
    }
    return out;
  }

  private void configureScenario(SplittableRandom r) {
    latencyMin = minLatency;
    latencyMax = maxLatency;
    int f = VoterSet.maxFaulty(voters.size());
    List<Integer> vnodes = voterNodes();
    List<Integer> fnodes = new ArrayList<>();
    for (int i = 0; i < servers; i++) {
      fnodes.add(i);
    }
    boolean bft = protocol.equals("bft");
    switch (scenario) {
      case HEALTHY, CLOCK_SKEW -> { }
      case LOSSY -> {
        loss = 0.10;
        duplication = 0.05;
        latencyMax = Math.max(maxLatency, 40);
      }
      case PARTITION -> {
        int[] groups = new int[nodes.size()];
        for (int i = 0; i < groups.length; i++) {
          groups[i] = r.nextInt(2);
        }
        schedule(600, -1, PART, groups, 0);
        schedule(stabilizeAt - 300, -1, HEAL, null, 0);
      }
      case CRASH_RESTART -> {
        List<Integer> victims = new ArrayList<>(pick(r, vnodes, Math.max(1, f)));
        if (!bft && servers > 1) {
          victims.addAll(pick(r, fnodes, 1));
        }
        for (int v : victims) {
          long down = 300 + r.nextLong(1_700);
          schedule(down, v, CRASH, null, 0);
          schedule(Math.min(stabilizeAt - 100, down + 200 + r.nextLong(1_000)), v, RESTART, null, 0);
        }
      }
      case ALL_RESTART -> {
        for (Node n : nodes) {
          schedule(1_500, n.index, CRASH, null, 0);
          schedule(2_000 + r.nextLong(100), n.index, RESTART, null, 0);
        }
      }
      case MAJORITY_DOWN -> {
        for (int v : pick(r, vnodes, Math.min(vnodes.size(), f + 1))) {
          schedule(800, v, CRASH, null, 0);
          schedule(2_300 + r.nextLong(400), v, RESTART, null, 0);
        }
      }
      case EQUIVOCATING_BOOKKEEPER -> nodes.get(pick(r, fnodes, 1).get(0)).behaviour = Behaviour.EQUIVOCATE_PROPOSALS;
      case INVALID_PROPOSER -> nodes.get(pick(r, fnodes, 1).get(0)).behaviour = Behaviour.INVALID_PROPOSALS;
      case DOUBLE_SIGNING_AUDITOR -> pick(r, vnodes, f).forEach(i -> nodes.get(i).behaviour = Behaviour.DOUBLE_SIGN_VOTES);
      case VOTE_WITHHOLDER -> pick(r, vnodes, f).forEach(i -> nodes.get(i).behaviour = Behaviour.WITHHOLD_VOTES);
      case MIXED_BYZANTINE -> {
        loss = 0.05;
        Behaviour[] kinds = {Behaviour.EQUIVOCATE_PROPOSALS, Behaviour.DOUBLE_SIGN_VOTES,
            Behaviour.INVALID_PROPOSALS, Behaviour.WITHHOLD_VOTES};
        if (bft) {
          List<Integer> bad = pick(r, vnodes, f);
          for (int i = 0; i < bad.size(); i++) {
            nodes.get(bad.get(i)).behaviour = kinds[(i + r.nextInt(4)) % 4];
          }
        } else {
          List<Integer> badFed = pick(r, fnodes, Math.max(1, servers - 1) >= 2 ? 2 : 1);
          if (servers == 1) {
            badFed = List.of();
          }
          for (int i = 0; i < badFed.size(); i++) {
            nodes.get(badFed.get(i)).behaviour = i == 0 ? Behaviour.EQUIVOCATE_PROPOSALS : Behaviour.INVALID_PROPOSALS;
          }
          List<Integer> badVoters = pick(r, vnodes, f);
          for (int i = 0; i < badVoters.size(); i++) {
            nodes.get(badVoters.get(i)).behaviour = i % 2 == 0 ? Behaviour.DOUBLE_SIGN_VOTES : Behaviour.WITHHOLD_VOTES;
          }
        }
      }
      case TIMESTAMP_EDGE -> {
        int bad = pick(r, fnodes, 1).get(0);
        nodes.get(bad).behaviour = Behaviour.SKEW_EDGE_TIMESTAMPS;
        forcedOffset.put(bad, skewBoundMillis() - 50);
        victim = pick(r, without(vnodes, bad), 1).get(0);
        forcedOffset.put(victim, -200L);
      }
      case STATUS_FLOOD -> {
        int bad = pick(r, vnodes, 1).get(0);
        nodes.get(bad).behaviour = Behaviour.STATUS_FLOOD;
        schedule(50, bad, FLOOD, null, 0);
        victim = pick(r, without(vnodes, bad), 1).get(0);
        schedule(400, victim, CRASH, null, 0);
        schedule(stabilizeAt - 200, victim, RESTART, null, 0);
      }
      case FAR_FUTURE_FLOOD -> {
        for (int bad : pick(r, vnodes, Math.max(1, f))) {
          nodes.get(bad).behaviour = Behaviour.FAR_FUTURE_FLOOD;
          schedule(50 + r.nextLong(10), bad, FLOOD, null, 0);
        }
      }
      case LONG_OUTAGE -> {
        stabilizeAt = outageMillis + 1_000;
        submitUntil = stabilizeAt + 1_500;
        victim = pick(r, vnodes, 1).get(0);
        schedule(500, victim, CRASH, null, 0);
        schedule(outageMillis + 500, victim, RESTART, null, 0);
      }
      case COLLUDING_EQUIVOCATION -> {
        stabilizeAt = 6_000;
        submitUntil = 7_500;
        equivocator = pick(r, fnodes, 1).get(0);
        colluder = bft ? equivocator : pick(r, vnodes, 1).get(0);
        nodes.get(equivocator).behaviour = Behaviour.COLLUDER;
        nodes.get(colluder).behaviour = Behaviour.COLLUDER;
        List<Integer> xy = pick(r, without(vnodes, colluder), 2);
        isolated = xy.get(0);
        locked = xy.get(1);
      }
      case TORN_SAFETY_WRITE -> {
        List<Integer> victims = new ArrayList<>(pick(r, vnodes, Math.max(1, f)));
        if (!bft && servers > 1) {
          victims.addAll(pick(r, fnodes, 1));
        }
        for (int v : victims) {
          for (int k = 0; k < 2; k++) {
            schedule(300 + r.nextLong(Math.max(1, stabilizeAt - 1_500)), v, ARM_TORN_SAVE, r.nextBoolean(), 0);
          }
        }
      }
      case RECONFIGURATION -> reconfigure(r, vnodes, bft);
      case SILENT_BOOKKEEPER -> {
        silent = pick(r, fnodes, 1).get(0);
        nodes.get(silent).behaviour = Behaviour.SILENT;
        silentFrom = 200 + r.nextLong(1_000);
        submitToBookkeepers = true;
      }
      default -> throw new IllegalStateException("unhandled scenario " + scenario);
    }
  }

  /** The first height ordered by the membership with the spare voter added (RECONFIGURATION). */
  static final long JOIN_HEIGHT = 4;
  /** The first height without the suspended Byzantine voter (and, in rotating-audit, a federation server). */
  static final long LEAVE_HEIGHT = 9;

  /**
   * RECONFIGURATION: a spare node follows the chain as a non-member and joins the voters from
   * {@link #JOIN_HEIGHT}; a double-signing voter is suspended (left out) from {@link #LEAVE_HEIGHT},
   * and in rotating-audit the last federation server leaves too; meanwhile 5% loss and an honest
   * voter crashing across the join.
   */
  private void reconfigure(SplittableRandom r, List<Integer> vnodes, boolean bft) {
    loss = 0.05;
    submitUntil = stabilizeAt + 3_000; // enough blocks to pass both change heights
    int bad = pick(r, vnodes, 1).get(0);
    nodes.get(bad).behaviour = Behaviour.DOUBLE_SIGN_VOTES;
    int down = pick(r, without(vnodes, bad), 1).get(0);
    schedule(600 + r.nextLong(300), down, CRASH, null, 0);
    schedule(1_300 + r.nextLong(500), down, RESTART, null, 0);
    List<Ed25519PublicKey> fed = new ArrayList<>(membership.federation());
    List<Ed25519PublicKey> aud = new ArrayList<>(membership.auditors());
    (bft ? fed : aud).add(nodes.get(spare).key.publicKey());
    schedule.put(JOIN_HEIGHT, new VoterSet(fed, aud));
    (bft ? fed : aud).remove(nodes.get(bad).key.publicKey());
    if (!bft && fed.size() > 1) {
      fed.remove(fed.size() - 1);
    }
    schedule.put(LEAVE_HEIGHT, new VoterSet(fed, aud));
  }

  /** The membership that orders block {@code height}. */
  private VoterSet membershipAt(long height) {
    return schedule.floorEntry(Math.max(1, height)).getValue();
  }

  private List<Ed25519PublicKey> votersAt(long height) {
    return Protocols.voters(protocol, membershipAt(height));
  }

  /**
   * Nodes outside the membership of the height they are deciding (a server about to join, or one
   * that left) cannot ask peers for blocks; like an operator syncing a new server before
   * governance admits it, they get final blocks out of band ({@code BlockDelivered}) when two or
   * more behind, and otherwise follow the broadcasts. A server about to join also gets the last
   * block before its admission height as soon as it is final: the voters may need its vote for the
   * next height, and it cannot ask for that block itself (bft sweep seed 6117: the chain stalled at
   * the block before the join, with the joining server one block behind).
   */
  private void syncObservers(Node source, long committed) {
    if (syncingObservers || schedule.size() < 2) {
      return;
    }
    syncingObservers = true;
    try {
      for (Node o : nodes) {
        while (o.up && o.honest() && o.proto.height() <= committed
            && !membershipAt(o.proto.height()).nodes().contains(o.key.publicKey())
            && (o.proto.height() + 1 <= committed
                || membershipAt(o.proto.height() + 1).nodes().contains(o.key.publicKey()))) {
          long h = o.proto.height();
          handle(o, new Event.BlockDelivered(source.ledger.block(h).encode(), source.ledger.certificate(h)));
          metrics.merge("observer_blocks_delivered", 1L, Long::sum);
          if (o.up && o.proto != null && o.proto.height() == h) {
            break;
          }
        }
      }
    } finally {
      syncingObservers = false;
    }
  }

  private static List<Integer> without(List<Integer> from, int x) {
    List<Integer> out = new ArrayList<>(from);
    out.remove(Integer.valueOf(x));
    return out;
  }

  /** How far ahead of a validator's clock a block timestamp may be (what each node's app allows). */
  private long skewBoundMillis() {
    return 2 * maxOffset() + 1_000;
  }

  private void traceEvent(int node, int kind, long x) {
    long[] v = {now, node, kind, x};
    for (long l : v) {
      for (int i = 0; i < 8; i++) {
        trace.update((byte) (l >>> (8 * i)));
      }
    }
  }

  private void step(Ev e) {
    switch (e.kind()) {
      case SUBMIT -> submit();
      case PART -> partition = (int[]) e.payload();
      case HEAL -> partition = null;
      case CRASH -> {
        Node n = nodes.get(e.node());
        if (n.up) {
          n.up = false;
          n.incarnation++;
          n.proto = null;
          traceEvent(n.index, CRASH, 0);
        }
      }
      case RESTART -> {
        Node n = nodes.get(e.node());
        if (!n.up) {
          n.up = true;
          traceEvent(n.index, RESTART, 0);
          if (n.index == victim && finalHash.size() > n.ledger.size()) {
            victimRestartAt = now;
            victimTarget = finalHash.size();
            metrics.put("victim_behind_blocks", victimTarget - n.ledger.size());
          }
          n.boot();
        }
      }
      case TIMER -> {
        Node n = nodes.get(e.node());
        if (n.up && n.incarnation == e.incarnation()) {
          handle(n, new Event.TimerFired((io.medledger.consensus.TimerId) e.payload()));
        }
      }
      case FLOOD -> {
        Node n = nodes.get(e.node());
        if (n.up) {
          flood(n);
        }
        if (now < submitUntil) {
          schedule(now + (n.behaviour == Behaviour.STATUS_FLOOD ? 2 : 10), n.index, FLOOD, null, 0);
        }
      }
      case ARM_TORN_SAVE -> {
        if ((Boolean) e.payload()) {
          nodes.get(e.node()).crashOnNextSave = true;
        } else {
          nodes.get(e.node()).crashAfterNextSave = true;
        }
      }
      case DELIVER -> {
        Node n = nodes.get(e.node());
        if (n.up) {
          Delivery d = (Delivery) e.payload();
          traceEvent(n.index, DELIVER, d.from() * 1_000_003L + d.bytes().length);
          deliver(n, d);
        }
      }
      default -> throw new IllegalStateException("unknown event kind");
    }
  }

  private void submit() {
    List<Node> targets = new ArrayList<>();
    for (Node n : nodes) {
      // Clients submit to servers that are members now and stay members (entries left with a server
      // that is leaving may never be ordered; a client would resubmit them elsewhere), and in
      // silent-bookkeeper to those that can propose only.
      if (n.up && n.honest() && membershipAt(n.proto.height()).nodes().contains(n.key.publicKey())
          && (!submitToBookkeepers || membershipAt(n.proto.height()).federation().contains(n.key.publicKey()))
          && schedule.lastEntry().getValue().nodes().contains(n.key.publicKey())) {
        targets.add(n);
      }
    }
    if (targets.isEmpty()) {
      return;
    }
    Node n = targets.get(work.nextInt(targets.size()));
    byte[] enc;
    if (presigned != null) {
      if (nonce >= presigned.size()) {
        return;
      }
      enc = presigned.get((int) nonce++);
    } else {
      byte[] payload = new byte[payloadBytes];
      work.nextBytes(payload);
      enc = SimEntry.sign(clients.get(work.nextInt(clients.size())), nonce++, payload).encode();
    }
    submitted.put(Sha256.hash(enc), new long[] {now, -1});
    traceEvent(n.index, SUBMIT, nonce);
    handle(n, new Event.EntrySubmitted(enc));
  }

  private void deliver(Node n, Delivery d) {
    String accountKey = null;
    Set<Digest> hashes = null;
    Node sender = nodes.get(d.from());
    if (!sender.honest() && n.honest()) {
      try {
        ConsensusMessage m = ConsensusMessage.decode(d.bytes(), consensus.maxMessageBytes());
        long h = n.proto.height();
        if ((m instanceof ConsensusMessage.Proposal || m instanceof ConsensusMessage.Vote)
            && m.height() <= h && m.height() >= h - 2) {
          Statement st;
          int signer;
          if (m instanceof ConsensusMessage.Proposal p) {
            st = p.statement();
            signer = indexOf.get(RotatingAuditProtocol.bookkeeper(membershipAt(st.height()), st.height(), st.round()));
          } else {
            ConsensusMessage.Vote v = (ConsensusMessage.Vote) m;
            st = v.statement();
            List<Ed25519PublicKey> vs = votersAt(st.height());
            signer = v.voter() < vs.size() ? indexOf.get(vs.get(v.voter())) : -1;
          }
          int keptUpTo = st.height() == h ? n.proto.round() + QuorumProtocol.ROUND_WINDOW : QuorumProtocol.ROUND_WINDOW;
          if (signer == d.from() && st.round() <= keptUpTo) {
            accountKey = signer + "/" + st.kind() + "/" + st.height() + "/" + st.round();
            hashes = received.computeIfAbsent(n.index + "/" + accountKey, k -> new HashSet<>());
            hashes.add(st.hash());
          }
        }
      } catch (MalformedEncodingException e) {
        accountKey = null;
      }
    }
    handle(n, new Event.MessageReceived(sender.key.publicKey(), d.bytes()));
    if (!sender.honest() && n.honest() && n.up && (++byzantineDeliveries & 15) == 0) {
      checkMemory(n);
    }
    if (accountKey != null && hashes.size() >= 2 && n.up && !n.evidenceKeys.contains(accountKey)) {
      safety.add("accountability: node " + n.index + " received conflicting " + accountKey
          + " statements but reported no evidence");
    }
  }

  private void handle(Node n, Event ev) {
    long c0 = cpuClock != null ? cpuClock.getAsLong() : 0;
    List<Action> actions;
    try {
      actions = n.proto.handle(ev);
    } catch (CrashDuringSave crash) {
      powerLoss(n, now + 100 + work.nextLong(500));
      metrics.merge("torn_save_crashes", 1L, Long::sum);
      return;
    }
    if (cpuClock != null) {
      cpuNanos[n.index] += cpuClock.getAsLong() - c0;
    }
    for (Action a : actions) {
      if (n.behaviour == Behaviour.SILENT && now >= silentFrom
          && (a instanceof Action.Send || a instanceof Action.Broadcast)) {
        continue;
      }
      if (n.honest() && a instanceof Action.Broadcast b) {
        noteHonestStatement(n, b.message());
        if (n.index == locked && !lockedCrashed && b.message() instanceof ConsensusMessage.Vote v
            && v.statement().kind() == StatementKind.PRECOMMIT && v.statement().height() == attackHeight) {
          // The locked voter loses power right after its precommit leaves: its lock must survive.
          lockedCrashed = true;
          n.crashPending = true;
        }
      }
      if (a instanceof Action.Send s) {
        if (n.behaviour == Behaviour.STATUS_FLOOD && s.message() instanceof ConsensusMessage.BlockResponse r) {
          forgeBlockResponse(n, s, r);
          continue;
        }
        if (n.behaviour == Behaviour.COLLUDER && now < stabilizeAt
            && s.message() instanceof ConsensusMessage.BlockResponse) {
          continue; // the colluders keep the block that X committed to themselves
        }
        Integer to = indexOf.get(s.to());
        if (to != null) {
          transmit(n, to, s.message().encode());
        }
      } else if (a instanceof Action.Broadcast b) {
        broadcast(n, b.message());
      } else if (a instanceof Action.SetTimer t) {
        long d = Math.max(0, Math.round(t.delay().toMillis() * (1 + n.drift)));
        schedule(now + d, n.index, TIMER, t.timer(), n.incarnation);
      } else if (a instanceof Action.Committed c) {
        traceEvent(n.index, 100, c.height());
        trace.update(c.blockHash().toByteArray());
        if (n.honest()) {
          onCommitted(n, c);
          syncObservers(n, c.height());
        }
      } else if (a instanceof Action.EvidenceFound f) {
        onEvidence(n, f.evidence());
      } else if (a instanceof Action.ProposalRejected pr) {
        rejections++;
        if (n.index == victim && pr.reason().startsWith("not yet")) {
          metrics.merge("victim_untimely_proposals", 1L, Long::sum);
        }
      }
    }
    if (n.crashPending) {
      powerLoss(n, now + 1 + work.nextLong(30));
      metrics.merge("crashes_after_send", 1L, Long::sum);
    }
  }

  /**
   * The lock attack of {@link Scenario#COLLUDING_EQUIVOCATION}, as the colluding bookkeeper or
   * voter; true when it replaced the honest sending of {@code m}. Before stabilization the
   * bookkeeper shows its first block A only to two honest voters (X, Y) and the colluding voter,
   * which prevotes A to X and Y and precommits A to X alone, so X commits A, Y locks on A, and the
   * scheduler holds X's later messages until stabilization. At its next round of that height the
   * bookkeeper proposes a fresh block D without proof of lock and the colluder votes for D: only a
   * voter that ignores its lock (or forgot it in a crash) lets D become final too.
   */
  private boolean lockAttack(Node n, ConsensusMessage m) {
    if (now >= stabilizeAt || equivocator < 0) {
      return false;
    }
    Node c = nodes.get(colluder);
    if (m instanceof ConsensusMessage.Proposal p && n.index == equivocator) {
      Statement st = p.statement();
      if (attackHeight < 0 && now >= 200 && st.auxRound() < 0) {
        attackHeight = st.height();
        attackRound = st.round();
        attackBlock = SimBlock.decode(p.block());
        metrics.put("attack_height", attackHeight);
        byte[] bytes = p.encode();
        for (int to : List.of(isolated, locked, colluder)) {
          if (to != n.index) {
            transmit(n, to, bytes);
          }
        }
        byte[] prevote = colluderVote(c, StatementKind.PREVOTE, attackRound, attackBlock.hash());
        transmit(c, isolated, prevote);
        transmit(c, locked, prevote);
        transmit(c, isolated, colluderVote(c, StatementKind.PRECOMMIT, attackRound, attackBlock.hash()));
        return true;
      }
      if (st.height() == attackHeight && st.round() > attackRound) {
        SimBlock d = SimBlock.build(attackHeight, attackBlock.previous(), attackBlock.timestamp() + 1 + st.round(),
            n.key.publicKey(), List.of());
        Statement ds = new Statement(StatementKind.PROPOSAL, attackHeight, st.round(), d.hash(), -1);
        byte[] fresh = new ConsensusMessage.Proposal(ds, n.key.sign(ds.signingBytes(chainId)), d.encode(), null).encode();
        byte[] prevote = colluderVote(c, StatementKind.PREVOTE, st.round(), d.hash());
        byte[] precommit = colluderVote(c, StatementKind.PRECOMMIT, st.round(), d.hash());
        metrics.merge("attack_fresh_proposals", 1L, Long::sum);
        for (Node peer : nodes) {
          if (peer != n) {
            transmit(n, peer.index, fresh);
          }
          if (peer != c) {
            transmit(c, peer.index, prevote);
            transmit(c, peer.index, precommit);
          }
        }
        return true;
      }
      return st.height() == attackHeight;
    }
    return m instanceof ConsensusMessage.Vote v && v.statement().height() == attackHeight;
  }

  private byte[] colluderVote(Node c, StatementKind kind, int round, Digest hash) {
    Statement st = new Statement(kind, attackHeight, round, hash, -1);
    return new ConsensusMessage.Vote(st, voters.indexOf(c.key.publicKey()), c.key.sign(st.signingBytes(chainId)),
        -1, new byte[64]).encode();
  }

  /**
   * Holds X's messages until stabilization once the lock attack started, except its prevote for A
   * to Y (so the colluders' own protocol instances stay at the attacked height and keep timing out).
   */
  private boolean heldByAttack(Node from, int to, byte[] bytes) {
    if (attackHeight < 0 || now >= stabilizeAt || from.index != isolated) {
      return false;
    }
    if (to == locked && bytes.length > 0 && bytes[0] != ConsensusMessage.TAG_STATUS) {
      try {
        if (ConsensusMessage.decode(bytes, consensus.maxMessageBytes()) instanceof ConsensusMessage.Vote v
            && v.statement().kind() == StatementKind.PREVOTE && v.statement().height() == attackHeight
            && v.statement().round() == attackRound) {
          return false;
        }
      } catch (MalformedEncodingException e) {
        return true;
      }
    }
    return true;
  }

  /**
   * A status flooder that is a voter answers a block request with a block of its own making and a
   * forged certificate: its one precommit signature repeated under one signer index as often as a
   * quorum needs (bytes written by hand, since the certificate type refuses repeated signers).
   */
  private void forgeBlockResponse(Node n, Action.Send s, ConsensusMessage.BlockResponse honest) {
    int voter = voters.indexOf(n.key.publicKey());
    Integer to = indexOf.get(s.to());
    if (voter < 0 || to == null) {
      return;
    }
    long h = honest.fromHeight();
    SimBlock prev = h > 1 ? n.ledger.block(h - 1) : null;
    Digest prevHash = prev == null ? SimApp.genesisHash(chainId) : prev.hash();
    long ts = prev == null ? EPOCH : prev.timestamp() + 1;
    SimBlock forged = SimBlock.build(h, prevHash, ts, membership.federation().get(0), List.of());
    Statement st = new Statement(StatementKind.PRECOMMIT, h, 0, forged.hash(), -1);
    byte[] sig = n.key.sign(st.signingBytes(chainId));
    int q = VoterSet.quorum(voters.size());
    List<QuorumCertificate.VoterSignature> distinct = new ArrayList<>();
    for (int i = 0; i < q; i++) {
      distinct.add(new QuorumCertificate.VoterSignature(i, sig));
    }
    byte[] certBytes = new QuorumCertificate(st, distinct).encode();
    byte[] forgedCert = certBytes.clone();
    int first = certBytes.length - q * 68;
    for (int i = 0; i < q; i++) {
      java.nio.ByteBuffer.wrap(forgedCert, first + i * 68, 4).putInt(voter);
    }
    ConsensusMessage.BlockResponse template = ConsensusMessage.BlockResponse.sign(h, List.of(forged.encode()),
        List.of(new QuorumCertificate(st, distinct)), n.index, n.key, chainId);
    byte[] enc = replace(template.encode(), certBytes, forgedCert);
    byte[] signing = replace(template.signingBytes(chainId), certBytes, forgedCert);
    byte[] resigned = n.key.sign(signing);
    System.arraycopy(resigned, 0, enc, enc.length - 64, 64);
    metrics.merge("forged_certificates", 1L, Long::sum);
    transmit(n, to, enc);
  }

  private static byte[] replace(byte[] in, byte[] what, byte[] with) {
    for (int i = 0; i + what.length <= in.length; i++) {
      if (java.util.Arrays.equals(in, i, i + what.length, what, 0, what.length)) {
        byte[] out = in.clone();
        System.arraycopy(with, 0, out, i, with.length);
        return out;
      }
    }
    throw new IllegalStateException("certificate bytes not found in the message");
  }

  private void powerLoss(Node n, long restartAt) {
    n.up = false;
    n.incarnation++;
    n.proto = null;
    n.crashPending = false;
    traceEvent(n.index, CRASH, 1);
    schedule(restartAt, n.index, RESTART, null, 0);
  }

  /** Honest nodes never sign two different proposals or votes for one (kind, height, round). */
  private void noteHonestStatement(Node n, ConsensusMessage m) {
    Statement st = m instanceof ConsensusMessage.Proposal p ? p.statement()
        : m instanceof ConsensusMessage.Vote v ? v.statement() : null;
    if (st == null) {
      return;
    }
    Digest prev = honestStatements.putIfAbsent(n.index + "/" + st.kind() + "/" + st.height() + "/" + st.round(), st.hash());
    if (prev != null && !prev.equals(st.hash())) {
      safety.add("equivocation: honest node " + n.index + " signed two " + st.kind() + " statements at height "
          + st.height() + " round " + st.round());
    }
  }

  private void broadcast(Node n, ConsensusMessage m) {
    if (n.behaviour == Behaviour.COLLUDER && lockAttack(n, m)) {
      return;
    }
    switch (n.behaviour) {
      case WITHHOLD_VOTES -> {
        if (m instanceof ConsensusMessage.Vote) {
          return;
        }
      }
      case DOUBLE_SIGN_VOTES -> {
        if (m instanceof ConsensusMessage.Vote v) {
          Statement s = v.statement();
          Statement alt = new Statement(s.kind(), s.height(), s.round(),
              Sha256.hash(s.hash().toByteArray(), new byte[] {(byte) n.index}), -1);
          ConsensusMessage.Vote other = new ConsensusMessage.Vote(alt, v.voter(),
              n.key.sign(alt.signingBytes(chainId)), -1, new byte[64]);
          byte[] a = v.encode();
          byte[] b = other.encode();
          for (Node peer : nodes) {
            if (peer != n) {
              transmit(n, peer.index, a);
              if (net.nextBoolean()) {
                transmit(n, peer.index, b);
              }
            }
          }
          return;
        }
      }
      case EQUIVOCATE_PROPOSALS, INVALID_PROPOSALS -> {
        if (m instanceof ConsensusMessage.Proposal p && p.statement().auxRound() < 0) {
          SimBlock b = SimBlock.decode(p.block());
          SimBlock alt = n.behaviour == Behaviour.EQUIVOCATE_PROPOSALS
              ? SimBlock.build(b.height(), b.previous(), b.timestamp() + 1, n.key.publicKey(), b.entries())
              : invalidVariant(b, n.key.publicKey());
          Statement st = new Statement(StatementKind.PROPOSAL, b.height(), p.statement().round(), alt.hash(), -1);
          ConsensusMessage.Proposal q = new ConsensusMessage.Proposal(st, n.key.sign(st.signingBytes(chainId)),
              alt.encode(), null);
          byte[] a = p.encode();
          byte[] c = q.encode();
          for (Node peer : nodes) {
            if (peer != n) {
              boolean second = n.behaviour == Behaviour.INVALID_PROPOSALS || net.nextBoolean();
              transmit(n, peer.index, second ? c : a);
            }
          }
          return;
        }
      }
      default -> { }
    }
    byte[] bytes = m.encode();
    for (Node peer : nodes) {
      if (peer != n) {
        transmit(n, peer.index, bytes);
      }
    }
  }

  /** One burst of a flooding node: the same bytes to every peer. */
  private void flood(Node n) {
    long c = floodCounter++;
    long h = n.proto.height();
    List<byte[]> burst = new ArrayList<>();
    if (n.behaviour == Behaviour.STATUS_FLOOD) {
      burst.add(ConsensusMessage.Status.sign(h - 1 + 1_000, 0, n.index, n.key, chainId).encode());
    } else {
      int voter = voters.indexOf(n.key.publicKey());
      Digest junk = Sha256.hash(("flood/" + n.index + "/" + c).getBytes(StandardCharsets.US_ASCII));
      int r = n.proto.round();
      // A far-future round of this height, a far height, a far round of the next height, and a
      // round of the next height inside the window (which only the per-signer quota bounds).
      burst.add(floodVote(n, voter, StatementKind.PREVOTE, h, r + 1_000 + (int) c, junk));
      burst.add(floodVote(n, voter, StatementKind.PRECOMMIT, h + 2 + c % 1_000, (int) (c % 50), junk));
      burst.add(floodVote(n, voter, StatementKind.PREVOTE, h + 1, 1_000 + (int) c, junk));
      burst.add(floodVote(n, voter, StatementKind.PRECOMMIT, h + 1, (int) (c % 9), junk));
      for (int rr = r + 1_000 + (int) c; rr < r + 1_000 + (int) c + servers; rr++) {
        if (RotatingAuditProtocol.bookkeeper(membership, h, rr).equals(n.key.publicKey())) {
          SimBlock b = SimBlock.build(h, junk, EPOCH + now, n.key.publicKey(), List.of());
          Statement st = new Statement(StatementKind.PROPOSAL, h, rr, b.hash(), -1);
          burst.add(new ConsensusMessage.Proposal(st, n.key.sign(st.signingBytes(chainId)), b.encode(), null).encode());
        }
      }
    }
    // The status flood aims at the returning node every 2 ms, and at everyone every 10 ms.
    boolean everyone = n.behaviour != Behaviour.STATUS_FLOOD || victim < 0 || c % 5 == 0;
    for (byte[] bytes : burst) {
      for (Node peer : nodes) {
        if (peer != n && (everyone || peer.index == victim)) {
          transmit(n, peer.index, bytes);
          metrics.merge("flood_messages", 1L, Long::sum);
        }
      }
    }
  }

  private byte[] floodVote(Node n, int voter, StatementKind kind, long h, int r, Digest hash) {
    Statement st = new Statement(kind, h, r, hash, -1);
    return new ConsensusMessage.Vote(st, Math.max(0, voter), n.key.sign(st.signingBytes(chainId)), -1,
        new byte[64]).encode();
  }

  private SimBlock invalidVariant(SimBlock b, Ed25519PublicKey who) {
    List<byte[]> entries = b.entries();
    int mode = net.nextInt(4);
    if (mode == 0 && !entries.isEmpty()) {
      int i = net.nextInt(entries.size());
      entries.set(i, SimEntry.decode(entries.get(i)).corrupted().encode());
      return SimBlock.build(b.height(), b.previous(), b.timestamp(), who, entries);
    } else if (mode == 1) {
      return SimBlock.build(b.height(), Sha256.hash(b.previous().toByteArray()), b.timestamp(), who, entries);
    } else if (mode == 2 || entries.isEmpty()) {
      return SimBlock.withRoot(b.height(), b.previous(), b.timestamp(), who,
          Sha256.hash(b.entriesRoot().toByteArray()), entries);
    }
    entries.add(entries.get(0));
    return SimBlock.build(b.height(), b.previous(), b.timestamp(), who, entries);
  }

  private void transmit(Node from, int to, byte[] bytes) {
    messages++;
    if (partition != null && partition[from.index] != partition[to]) {
      return;
    }
    if (heldByAttack(from, to, bytes)) {
      schedule(stabilizeAt + latencyMin, to, DELIVER, new Delivery(from.index, bytes), 0);
      return;
    }
    if (net.nextDouble() < loss) {
      return;
    }
    int copies = net.nextDouble() < duplication ? 2 : 1;
    for (int c = 0; c < copies; c++) {
      long lat = latencyMin + (latencyMax > latencyMin ? net.nextLong(latencyMax - latencyMin + 1) : 0);
      if (net.nextDouble() < 0.02) {
        lat *= 2 + net.nextInt(8);
      }
      schedule(now + lat, to, DELIVER, new Delivery(from.index, bytes), 0);
    }
  }

  // ------------------------------------------------------------------ invariants

  private void onCommitted(Node n, Action.Committed c) {
    Digest prev = finalHash.putIfAbsent(c.height(), c.blockHash());
    finalTime.putIfAbsent(c.height(), now);
    if (c.height() == attackHeight) {
      metrics.put("attack_commit_node" + n.index + "_ms", now);
    }
    SimBlock committed = n.ledger.block(c.height());
    largestHonestBlock = Math.max(largestHonestBlock, committed.encode().length);
    if (n.index == victim) {
      // How long after it could have (the block final somewhere, its own clock past the block time).
      long clockPassed = committed.timestamp() - EPOCH - n.offset;
      long lag = now - Math.max(finalTime.get(c.height()), clockPassed);
      metrics.merge("victim_max_commit_lag_ms", Math.max(0, lag), Math::max);
      metrics.merge("victim_commits", 1L, Long::sum);
      if (c.height() == victimTarget) {
        metrics.put("victim_catch_up_ms", now - victimRestartAt);
      }
      if (committed.timestamp() > EPOCH + now + n.offset) {
        metrics.merge("victim_commits_ahead_of_clock", 1L, Long::sum);
      }
    }
    if (prev != null) {
      if (!prev.equals(c.blockHash())) {
        safety.add("agreement: node " + n.index + " committed " + c.blockHash().toHex() + " at height "
            + c.height() + " but " + prev.toHex() + " is final there");
      }
      return;
    }
    if (silent >= 0 && now >= silentFrom && RotatingAuditProtocol.bookkeeper(membershipAt(c.height()), c.height(), 0)
        .equals(nodes.get(silent).key.publicKey())) {
      metrics.merge("heights_past_silent_bookkeeper", 1L, Long::sum); // final in a later round
    }
    SimBlock b = n.ledger.block(c.height());
    QuorumCertificate cert = c.certificate();
    List<Ed25519PublicKey> voters = votersAt(c.height());
    if (spare >= 0) {
      int si = voters.indexOf(nodes.get(spare).key.publicKey());
      if (si >= 0 && cert.signers().contains(si)) {
        metrics.merge("spare_signed_certificates", 1L, Long::sum);
      }
      metrics.merge("final_after_leave", c.height() >= LEAVE_HEIGHT ? 1L : 0L, Long::sum);
    }
    if (!cert.verify(chainId, voters, verifier) || !cert.blockHash().equals(b.hash())) {
      safety.add("validity: certificate of height " + c.height() + " does not verify");
    }
    // The simulator's own quorum rule, independent of the code under test: more than two thirds
    // of the voters, counted by distinct signer.
    long distinct = cert.signers().stream().distinct().count();
    if (3 * distinct <= 2L * voters.size()) {
      safety.add("validity: certificate of height " + c.height() + " has " + distinct + " distinct signers of "
          + voters.size() + " voters, not more than two thirds");
    }
    ValidationVerdict v = oracle.validate(b, new ProposalContext(c.height(), cert.round(), oracle.proposer(b).orElseThrow(), Long.MAX_VALUE / 4));
    if (v instanceof ValidationVerdict.Rejected r && !r.reason().startsWith("told to reject")) {
      safety.add("validity: final block at height " + c.height() + " fails validation: " + r.reason());
    }
    if (c.height() == oracle.committedHeight() + 1) {
      oracle.commit(b, cert);
    }
    if (rejectAllUntil >= 0 && now < rejectAllUntil) {
      safety.add("validity: block final at height " + c.height() + " while every honest validator rejects");
    }
    for (byte[] e : b.entries()) {
      long[] s = submitted.get(Sha256.hash(e));
      if (s != null && s[1] < 0) {
        s[1] = now;
      }
      finalEntries++;
    }
  }

  private void onEvidence(Node n, Equivocation ev) {
    Integer who = indexOf.get(ev.signer());
    if (!ev.verify(chainId, verifier)) {
      safety.add("accountability: node " + n.index + " produced evidence that does not verify");
      return;
    }
    if (who == null || nodes.get(who).honest()) {
      safety.add("accountability: evidence names honest node " + who);
      return;
    }
    evidence++;
    n.evidenceKeys.add(who + "/" + ev.first().kind() + "/" + ev.first().height() + "/" + ev.first().round());
  }

  /**
   * Every honest running node holds every block that was final a liveness bound (after
   * stabilization) ago. A server that has left the membership for good (RECONFIGURATION) is no
   * longer owed the chain: members refuse its block requests, so it is held only to the heights it
   * was a member for.
   */
  private void checkCaughtUp(long end) {
    long bound = livenessBoundMillis();
    VoterSet last = schedule.isEmpty() ? null : schedule.lastEntry().getValue();
    for (Node n : nodes) {
      if (!n.up || !n.honest()) {
        continue;
      }
      long h = n.proto.height();
      if (last != null && !last.nodes().contains(n.key.publicKey())
          && !membershipAt(h).nodes().contains(n.key.publicKey())) {
        metrics.merge("departed_nodes_not_checked", 1L, Long::sum);
        continue;
      }
      Long t = finalTime.get(h);
      if (t != null && Math.max(t, stabilizeAt) + bound <= end) {
        liveness.add("catch-up: node " + n.index + " is still deciding height " + h + " although that block was final at "
            + t + " ms and the run ended at " + end + " ms");
      }
      if (n.index == victim) {
        metrics.put("victim_height", h - 1);
      }
    }
  }

  /** Bounded memory: what an honest node keeps of peer messages stays within a budget set by its round. */
  private void checkMemory(Node n) {
    long perRound = largestHonestBlock + 8L * nodes.size() * 256;
    long budget = (n.proto.round() + 20L) * perRound;
    long held = n.proto.retainedBytes();
    metrics.merge("max_retained_bytes", held, Math::max);
    if (held > budget && metrics.merge("memory_violations", 1L, Long::sum) == 1) {
      safety.add("memory: node " + n.index + " holds " + held + " bytes of peer messages at round " + n.proto.round()
          + ", above the bound " + budget);
    }
  }

  private void checkLiveness(long end) {
    long bound = livenessBoundMillis();
    int late = 0;
    String first = null;
    for (Map.Entry<Digest, long[]> e : submitted.entrySet()) {
      long[] s = e.getValue();
      if (s[0] < stabilizeAt) {
        continue;
      }
      long deadline = s[0] + bound;
      if (deadline > end) {
        continue;
      }
      if (s[1] < 0 || s[1] > deadline) {
        late++;
        if (first == null) {
          first = "entry submitted at " + s[0] + " ms " + (s[1] < 0 ? "never final" : "final after " + (s[1] - s[0]) + " ms");
        }
      }
    }
    if (late > 0) {
      liveness.add("liveness: " + late + " entries not final within " + bound + " ms; first: " + first);
    }
  }
}

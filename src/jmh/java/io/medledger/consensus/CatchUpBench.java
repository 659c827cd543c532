package io.medledger.consensus;

import io.medledger.consensus.sim.SimApp;
import io.medledger.consensus.sim.SimBlock;
import io.medledger.consensus.sim.SimEntry;
import io.medledger.consensus.sim.SimLedger;
import io.medledger.consensus.sim.Simulation;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Catch-up of a node that is far behind, over the sans-IO interface: a {@code bft} validator
 * with an empty store asks a peer holding {@code BLOCKS} certified blocks of 100 signed entries
 * (the simulator's application, {@link Simulation#defaultConfig()}: 256 blocks per response,
 * catch-up trusting certificates for entry signatures) until it has them all. Messages go
 * straight from one instance to the other (no latency); the two run on this thread, and the CPU
 * time of each is measured apart. Paired in the same run with its ceiling: the same blocks
 * decoded, certificate-checked, validated with {@link SimApp#validateCertified} and committed by
 * a bare application, no protocol. For contrast it also runs the catch-up path as it was (16
 * blocks per response, every entry signature verified) on the first {@code OLD_BLOCKS} blocks.
 *
 * <pre>
 * mvn -B -ntp -Pbench package -DskipTests
 * java -cp target/benchmarks.jar io.medledger.consensus.CatchUpBench [BLOCKS] [REPETITIONS]
 * </pre>
 */
public final class CatchUpBench {
  private static final int ENTRIES = 100;
  private static final int OLD_BLOCKS = 100;
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  private final List<Ed25519PrivateKey> keys = new ArrayList<>();
  private final VoterSet membership;
  private final Digest chainId = Sha256.hash("medledger/bench/catch-up".getBytes(StandardCharsets.US_ASCII));
  private final SimApp server;
  private final int blocks;
  private final List<byte[]> encoded = new ArrayList<>();

  private CatchUpBench(int blocks) {
    this.blocks = blocks;
    List<Ed25519PublicKey> validators = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      keys.add(Ed25519PrivateKey.fromSeed(Sha256.hash(("bench/validator/" + i).getBytes(StandardCharsets.UTF_8)).toByteArray()));
      validators.add(keys.get(i).publicKey());
    }
    membership = new VoterSet(validators, List.of());
    server = new SimApp(chainId, membership, new SimLedger(), 1_000);
    List<byte[]> all = entries(blocks * ENTRIES);
    Digest previous = SimApp.genesisHash(chainId);
    for (int h = 1; h <= blocks; h++) {
      SimBlock b = SimBlock.build(h, previous, 1_700_000_000_000L + h,
          QuorumEngine.proposerOf(membership, h, 0), all.subList((h - 1) * ENTRIES, h * ENTRIES));
      Statement st = new Statement(StatementKind.PRECOMMIT, h, 0, b.hash(), -1);
      List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
      for (int v = 0; v < 3; v++) {
        sigs.add(new QuorumCertificate.VoterSignature(v, keys.get(v).sign(st.signingBytes(chainId))));
      }
      server.commit(b, new QuorumCertificate(st, sigs));
      encoded.add(b.encode());
      previous = b.hash();
    }
  }

  /** {@code n} entries of 100 random bytes, signed by 16 clients in turn (signed beforehand, not measured). */
  private static List<byte[]> entries(int n) {
    Ed25519PrivateKey[] clients = new Ed25519PrivateKey[16];
    for (int i = 0; i < clients.length; i++) {
      clients[i] = Ed25519PrivateKey.fromSeed(Sha256.hash(("bench/catch-up/client/" + i).getBytes(StandardCharsets.UTF_8)).toByteArray());
    }
    SplittableRandom r = new SplittableRandom(11);
    List<byte[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] payload = new byte[100];
      r.nextBytes(payload);
      out.add(SimEntry.sign(clients[i % clients.length], i, payload).encode());
    }
    return out;
  }

  private ConsensusContext context(int index) {
    return new ConsensusContext(keys.get(index), Clock.fixed(Instant.ofEpochMilli(1_700_000_100_000L), ZoneOffset.UTC),
        new SplittableRandom(index), new InMemorySafetyStore(), SignatureVerifier.DIRECT);
  }

  /** One catch-up of {@code upTo} blocks; returns {client CPU ns, server CPU ns, wall ns}. */
  private long[] catchUp(ConsensusConfig cfg, int upTo) {
    SimApp clientApp = new SimApp(chainId, membership, new SimLedger(), 1_000);
    ConsensusProtocol client = Protocols.create(BftProtocol.NAME, clientApp, context(3), cfg);
    ConsensusProtocol peer = Protocols.create(BftProtocol.NAME, server, context(0), cfg);
    Ed25519PublicKey clientKey = keys.get(3).publicKey();
    long wall = System.nanoTime();
    long[] cpu = new long[2];
    ArrayDeque<byte[]> toClient = new ArrayDeque<>();
    ArrayDeque<byte[]> toServer = new ArrayDeque<>();
    timed(cpu, 0, client, new Event.Start(), null);
    timed(cpu, 1, peer, new Event.Start(), toClient);
    while (client.height() <= upTo && !(toClient.isEmpty() && toServer.isEmpty())) {
      if (!toClient.isEmpty()) {
        for (Action a : timed(cpu, 0, client, new Event.MessageReceived(keys.get(0).publicKey(), toClient.poll()), null)) {
          if (a instanceof Action.Send s && s.message() instanceof ConsensusMessage.BlockRequest q
              && q.fromHeight() <= upTo) {
            // Ask only for what is measured.
            toServer.add(ConsensusMessage.BlockRequest.sign(q.fromHeight(),
                (int) Math.min(q.count(), upTo + 1 - q.fromHeight()), q.sender(), keys.get(3), chainId).encode());
          }
        }
      } else {
        for (Action a : timed(cpu, 1, peer, new Event.MessageReceived(clientKey, toServer.poll()), null)) {
          if (a instanceof Action.Send s && s.to().equals(clientKey)) {
            toClient.add(s.message().encode());
          }
        }
      }
    }
    wall = System.nanoTime() - wall;
    if (clientApp.committedHeight() != upTo) {
      throw new IllegalStateException("catch-up stopped at " + clientApp.committedHeight() + " of " + upTo);
    }
    return new long[] {cpu[0], cpu[1], wall};
  }

  private static List<Action> timed(long[] cpu, int who, ConsensusProtocol p, Event e, ArrayDeque<byte[]> statusTo) {
    long c = MX.getCurrentThreadCpuTime();
    List<Action> out = p.handle(e);
    cpu[who] += MX.getCurrentThreadCpuTime() - c;
    if (statusTo != null) {
      for (Action a : out) {
        if (a instanceof Action.Broadcast b && b.message() instanceof ConsensusMessage.Status) {
          statusTo.add(b.message().encode());
        }
      }
    }
    return out;
  }

  /** The ceiling: decode, certificate check, validateCertified and commit of every block, no protocol. */
  private long ceiling() {
    SimApp app = new SimApp(chainId, membership, new SimLedger(), 1_000);
    long c = MX.getCurrentThreadCpuTime();
    for (int h = 1; h <= blocks; h++) {
      SimBlock b = app.decode(encoded.get(h - 1));
      QuorumCertificate cert = server.certificate(h);
      if (!cert.blockHash().equals(b.hash()) || !cert.verify(chainId, membership.federation(), SignatureVerifier.DIRECT)
          || !app.validateCertified(b, new ProposalContext(h, 0, app.proposer(b).orElseThrow(), 0)).accepted()) {
        throw new IllegalStateException("block " + h + " refused");
      }
      app.commit(b, cert);
    }
    return MX.getCurrentThreadCpuTime() - c;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  public static void main(String[] args) {
    int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    CatchUpBench bench = new CatchUpBench(blocks);
    ConsensusConfig fast = Simulation.defaultConfig();
    ConsensusConfig old = fast.withCatchUp(16, false);
    bench.catchUp(fast, Math.min(blocks, 500));
    bench.ceiling();
    double[] client = new double[reps];
    double[] both = new double[reps];
    double[] wall = new double[reps];
    double[] ceil = new double[reps];
    for (int i = 0; i < reps; i++) {
      long[] r = bench.catchUp(fast, blocks);
      client[i] = blocks / (r[0] / 1e9);
      both[i] = blocks / ((r[0] + r[1]) / 1e9);
      wall[i] = blocks / (r[2] / 1e9);
      ceil[i] = blocks / (bench.ceiling() / 1e9);
    }
    long[] o = bench.catchUp(old, Math.min(blocks, OLD_BLOCKS));
    double oldClient = Math.min(blocks, OLD_BLOCKS) / (o[0] / 1e9);
    System.out.printf("catch-up of %d blocks x %d entries, bft 4 validators, %d blocks per response, trusting certificates: "
        + "median of %d: %.0f blocks/s (catching-up node CPU), %.0f blocks/s (both nodes CPU), %.0f blocks/s (wall, one thread)%n",
        blocks, ENTRIES, fast.syncBatch(), reps, median(client), median(both), median(wall));
    System.out.printf("ceiling (decode + certificate + validateCertified + commit, no protocol): %.0f blocks/s; "
        + "catch-up / ceiling = %.2f%n", median(ceil), median(client) / median(ceil));
    System.out.printf("old path (16 blocks per response, every entry signature verified), first %d blocks: "
        + "%.0f blocks/s (catching-up node CPU)%n", Math.min(blocks, OLD_BLOCKS), oldClient);
    System.out.printf("per repetition (catching-up node CPU / ceiling, blocks/s): %s / %s%n",
        Arrays.toString(Arrays.stream(client).mapToLong(Math::round).toArray()),
        Arrays.toString(Arrays.stream(ceil).mapToLong(Math::round).toArray()));
  }
}

package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.Block;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.consensus.Action;
import io.medledger.consensus.LedgerApp;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.transport.NodeFrames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StateStore;
import io.medledger.testing.DelegatingStateStore;
import io.medledger.tlog.TileLog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bulk sync: a server that joins late with only the genesis block catches up, despite a lying peer. */
@Timeout(120)
class NodeSyncTest {
  /** A transport decorator that forwards everything; subclasses override what they change. */
  abstract static class DelegatingTransport implements PeerTransport {
    final PeerTransport inner;

    DelegatingTransport(PeerTransport inner) {
      this.inner = inner;
    }

    @Override
    public boolean send(Ed25519PublicKey to, byte[] frame) {
      return inner.send(to, frame);
    }
    @Override
    public Ed25519PublicKey self() {
      return inner.self();
    }

    @Override
    public void setReceiver(FrameReceiver receiver) {
      inner.setReceiver(receiver);
    }

    @Override
    public void updatePeers(Map<Ed25519PublicKey, PeerAddress> peers) {
      inner.updatePeers(peers);
    }

    @Override
    public Set<Ed25519PublicKey> connectedPeers() {
      return inner.connectedPeers();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  /**
   * An adversary as a transport decorator: its sync responses claim a huge height and carry each
   * block's genuine header and certificate over forged entries (the entries reversed, so that the
   * block still decodes and fails only validation, whose verdict the protocol keys by the hash
   * the forgery shares with the genuine block; a lone entry gets a flipped byte instead).
   */
  /** Counts the sync answers sent through it to one peer: how many, their bytes, the largest. */
  static final class SyncAnswers extends DelegatingTransport {
    final AtomicInteger answers = new AtomicInteger();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong largest = new AtomicLong();
    private final Ed25519PublicKey to;

    SyncAnswers(PeerTransport inner, Ed25519PublicKey to) {
      super(inner);
      this.to = to;
    }

    @Override
    public boolean send(Ed25519PublicKey peer, byte[] frame) {
      if (peer.equals(to) && frame.length > 0 && frame[0] == NodeFrames.SYNC_RESPONSE) {
        answers.incrementAndGet();
        bytes.addAndGet(frame.length);
        largest.accumulateAndGet(frame.length, Math::max);
      }
      return inner.send(peer, frame);
    }
  }

  static final class LyingTransport extends DelegatingTransport {
    final AtomicInteger lies = new AtomicInteger();
    /** The peers it has lied to. */
    final Set<Ed25519PublicKey> told = java.util.concurrent.ConcurrentHashMap.newKeySet();

    LyingTransport(PeerTransport inner) {
      super(inner);
    }

    @Override
    public boolean send(Ed25519PublicKey to, byte[] frame) {
      if (frame.length > 0 && frame[0] == NodeFrames.SYNC_RESPONSE) {
        NodeFrames.SyncResponse r = (NodeFrames.SyncResponse) NodeFrames.decode(frame, Integer.MAX_VALUE);
        List<byte[]> tampered = new ArrayList<>();
        for (byte[] b : r.blocks()) {
          tampered.add(forge(b));
        }
        lies.incrementAndGet();
        if (!r.blocks().isEmpty()) {
          told.add(to);
        }
        frame = NodeFrames.encode(new NodeFrames.SyncResponse(r.fromHeight(), r.claimedHeight() + 1_000_000, tampered,
            r.certificates()));
      }
      return inner.send(to, frame);
    }

    private static byte[] forge(byte[] encoded) {
      Block b = Block.decode(encoded);
      if (b.entries().size() < 2) {
        byte[] t = encoded.clone();
        t[t.length / 2] ^= 1;
        return t;
      }
      List<Entry> reversed = new ArrayList<>(b.entries());
      java.util.Collections.reverse(reversed);
      return new Block(b.header(), reversed).encode();
    }
  }

  /**
   * Drops every inbound frame but sync requests and responses until {@code open} holds, and sync
   * responses from any peer but {@code first} until {@code firstAnswered} holds.
   */
  static final class SyncFirst extends DelegatingTransport {
    final java.util.function.BooleanSupplier open;
    final Ed25519PublicKey first;
    final java.util.function.BooleanSupplier firstAnswered;

    SyncFirst(PeerTransport inner, java.util.function.BooleanSupplier open) {
      this(inner, open, null, () -> true);
    }

    SyncFirst(PeerTransport inner, java.util.function.BooleanSupplier open, Ed25519PublicKey first,
        java.util.function.BooleanSupplier firstAnswered) {
      super(inner);
      this.open = open;
      this.first = first;
      this.firstAnswered = firstAnswered;
    }

    @Override
    public void setReceiver(FrameReceiver receiver) {
      if (receiver == null) {
        inner.setReceiver(null);
        return;
      }
      inner.setReceiver((from, frame) -> {
        boolean response = frame.length > 0 && frame[0] == NodeFrames.SYNC_RESPONSE;
        boolean sync = response || (frame.length > 0 && frame[0] == NodeFrames.SYNC_REQUEST);
        if (response && !from.equals(first) && !firstAnswered.getAsBoolean()) {
          return;
        }
        if (sync || open.getAsBoolean()) {
          receiver.onFrame(from, frame);
        }
      });
    }
  }

  /**
   * Counts the sync requests sent for blocks beyond a response that is still being applied: those
   * sent before the listener, which hears of a response's blocks once it is applied and durable,
   * heard of the block just below the requested one.
   */
  static final class CountingPrefetches extends DelegatingTransport {
    final AtomicLong heard = new AtomicLong();
    final AtomicInteger prefetched = new AtomicInteger();

    CountingPrefetches(PeerTransport inner) {
      super(inner);
    }

    @Override
    public boolean send(Ed25519PublicKey to, byte[] frame) {
      if (frame.length > 0 && frame[0] == NodeFrames.SYNC_REQUEST
          && NodeFrames.decode(frame, Integer.MAX_VALUE) instanceof NodeFrames.SyncRequest q
          && heard.get() < q.fromHeight() - 1) {
        prefetched.incrementAndGet();
      }
      return inner.send(to, frame);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "tls"})
  void aLateServerJoinsFromGenesisAndCatchesUpDespiteALiar(String transport) throws Exception {
    try (NodeCluster c = new NodeCluster("rotating-audit", transport.equals("tls"), 4, 4)) {
      c.maxBlockEntries = 10;
      c.create();
      int late = c.members.size() - 1; // the last audit server
      int liar = 0; // a federation server whose sync answers lie
      LyingTransport lying = new LyingTransport(c.transports.get(liar));
      c.transports.set(liar, lying);
      for (int i = 0; i < c.members.size(); i++) {
        if (i != late) {
          ProtocolDriver d = c.driver(i, c.ledgers.get(i), c.transports.get(i), new ConsensusListener() {});
          c.drivers.add(d);
          d.start();
        }
      }
      for (int i = 0; i < 400; i++) {
        c.drivers.get(1 + i % 3).submit(c.fixture.registerPatient(c.fixture.actor("p" + i)).encode());
        if (i % 10 == 9) {
          Thread.sleep(40);
        }
      }
      Ledger reference = c.ledgers.get(1);
      java.util.function.Supplier<List<Long>> heights = () -> c.ledgers.stream().map(Ledger::height).toList();
      NodeCluster.await(() -> reference.height() >= 20 && c.ledgers.stream().filter(l -> l != c.ledgers.get(late))
          .mapToLong(Ledger::height).distinct().count() == 1, 60_000, () -> "the running servers to agree on 20+ blocks: "
          + heights.get());
      long target = reference.height();
      Ledger fresh = c.ledgers.get(late);
      assertEquals(0, fresh.height(), "the late server holds only genesis");
      // Small requests, so that the joiner needs more of them than it has peers and its round-robin
      // reaches the liar even when the first honest peer answers at once (a fast host).
      c.syncBatch = 2;
      // Until bulk sync has carried the joiner halfway, it hears only sync frames: consensus catch-up
      // (which trusts verified certificates) would otherwise race bulk sync, and on a loaded host win.
      long half = target / 2;
      // And the first sync response it hears is the liar's: the others' are dropped (their requests
      // time out, and those peers are backed off) until the liar has answered it with blocks.
      Ed25519PublicKey joinerKey = c.members.get(late).publicKey();
      SyncFirst gate = new SyncFirst(c.transports.get(late), () -> fresh.height() >= half,
          c.members.get(liar).publicKey(), () -> lying.told.contains(joinerKey));
      c.transports.set(late, gate);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicReference<Action.ProposalRejected> rejected = new AtomicReference<>();
      ProtocolDriver joiner = c.driver(late, fresh, gate, new ConsensusListener() {
        @Override
        public void failed(Throwable cause) {
          failure.set(cause);
        }

        @Override
        public void proposalRejected(Action.ProposalRejected r) {
          rejected.set(r);
        }
      });
      c.drivers.add(joiner);
      joiner.start();
      // on a timeout, what the joiner had reached: a stopped driver names its cause, a live one its
      // sync and the last block it refused (a certified block that fails its own checks says so)
      NodeCluster.await(() -> fresh.height() >= target, 60_000, () -> "the late server catches up: height "
          + fresh.height() + " of " + target + ", " + joiner.syncedBlocks() + " blocks through bulk sync, driver "
          + (joiner.isRunning() ? "running" : "stopped") + (failure.get() == null ? "" : " by " + failure.get())
          + ", last refusal " + rejected.get() + ", the liar answered " + lying.lies.get() + " requests, heights "
          + heights.get());
      assertEquals(reference.block(target).block().hash(), fresh.block(target).block().hash(), "same chain");
      assertTrue(joiner.syncedBlocks() >= half, "blocks came through bulk sync: " + joiner.syncedBlocks());
      assertTrue(lying.told.contains(joinerKey), "control: the liar answered the joiner with forged blocks");
      System.out.println("sync over " + transport + ": the liar answered " + lying.lies.get() + " requests");
    }
  }

  /**
   * One member floods a node with sync requests for its whole chain: the node answers it at the
   * per-peer rate (plus one second's burst and one answer), and drops the rest unread, while the
   * federation goes on committing.
   */
  @Test
  void aMemberFloodingSyncRequestsIsAnsweredOnlyAtItsRate() throws Exception {
    try (NodeCluster c = new NodeCluster("rotating-audit", false, 4, 4)) {
      c.maxBlockEntries = 10;
      long rate = 64 << 10;
      c.syncServeBytesPerSecond = rate;
      c.create();
      int flooder = c.members.size() - 1; // an audit server whose driver never starts: its transport is the attacker's
      // what the victim sends the flooder is counted where it is sent: no answer is missed for being on its way
      SyncAnswers served = new SyncAnswers(c.transports.get(0), c.members.get(flooder).publicKey());
      c.transports.set(0, served);
      c.startAllBut(flooder);
      for (int i = 0; i < 200; i++) {
        c.drivers.get(i % 4).submit(c.fixture.registerPatient(c.fixture.actor("f" + i)).encode());
      }
      Ledger victim = c.ledgers.get(0);
      NodeCluster.await(() -> victim.height() >= 15, 60_000, () -> "15 blocks: " + victim.height());
      Ed25519PublicKey victimKey = c.members.get(0).publicKey();
      AtomicInteger answers = new AtomicInteger();
      c.transports.get(flooder).setReceiver((from, frame) -> {
        if (from.equals(victimKey) && frame.length > 0 && frame[0] == NodeFrames.SYNC_RESPONSE) {
          answers.incrementAndGet();
        }
      });
      byte[] ask = NodeFrames.encode(new NodeFrames.SyncRequest(1, 256));
      long before = victim.height();
      long bytesBefore = served.bytes.get();
      long start = System.nanoTime();
      int asked = 0;
      while (System.nanoTime() - start < 3_000_000_000L) {
        for (int i = 0; i < 100; i++) {
          asked += c.transports.get(flooder).send(victimKey, ask) ? 1 : 0;
        }
        Thread.sleep(5);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long bytes = served.bytes.get() - bytesBefore; // read after the time: whatever was sent by then is in
      long largest = served.largest.get();
      long bound = (long) (rate * seconds) + rate + largest;
      System.out.printf("sync flood: %d requests in %.1f s, %d answers sent, %d bytes (bound %d)%n", asked, seconds,
          served.answers.get(), bytes, bound);
      assertTrue(served.answers.get() >= 1 && asked >= 1_000, "control: the node answered, and was asked far more "
          + "often: " + served.answers.get() + " of " + asked);
      assertTrue(bytes <= bound, "answered " + bytes + " bytes in " + seconds + " s, above " + bound);
      assertTrue((long) asked * largest > 10 * bound, "control: unbounded, the flood would have cost far more");
      NodeCluster.await(() -> answers.get() >= 1, 30_000, "control: an answer reached the flooder");
      for (int i = 0; i < 40; i++) {
        c.drivers.get(1 + i % 3).submit(c.fixture.registerPatient(c.fixture.actor("g" + i)).encode());
      }
      NodeCluster.await(() -> victim.height() > before + 2, 30_000, () -> "the federation goes on: " + victim.height());
    }
  }

  /** The durable height of a node's state: what its RocksDB store has committed. */
  static final class DurableHeight extends DelegatingStateStore {
    volatile long committed = -1;

    DurableHeight(StateStore inner) {
      super(inner);
    }

    @Override
    public void commit(Batch batch) {
      inner.commit(batch);
      committed = batch.height();
    }
  }

  /**
   * A late server on a node's stores (block files, RocksDB, tiles) catches up by bulk sync, whose
   * responses are made durable once each: its listener (which acknowledges entries) hears of every
   * commit only after the state store holds that block durably.
   */
  @Test
  void aFileBackedServerHearsOfSyncedBlocksOnlyOnceTheyAreDurable(@TempDir Path dir) throws Exception {
    try (NodeCluster c = new NodeCluster("rotating-audit", false, 4, 4)) {
      c.maxBlockEntries = 10;
      c.syncBatch = 4; // several responses, so that one can be asked for while another is applied
      c.create();
      int late = c.members.size() - 1;
      for (int i = 0; i < late; i++) {
        ProtocolDriver d = c.driver(i, c.ledgers.get(i), c.transports.get(i), new ConsensusListener() {});
        c.drivers.add(d);
        d.start();
      }
      for (int i = 0; i < 300; i++) {
        c.drivers.get(i % 4).submit(c.fixture.registerPatient(c.fixture.actor("q" + i)).encode());
      }
      Ledger reference = c.ledgers.get(0);
      NodeCluster.await(() -> reference.height() >= 25, 60_000, () -> "25 blocks: " + reference.height());
      long target = reference.height();
      DurableHeight state = new DurableHeight(StateStore.rocksDb(dir.resolve("state")));
      Ledger onDisk = Ledger.builder(c.fixture.params).store(FileBlockStore.open(dir.resolve("blocks"))).state(state)
          .log(TileLog.open(dir.resolve("log"))).clock(Clock.systemUTC())
          .certificatePolicy(LedgerApp.certificatePolicy(c.protocol)).open();
      try (onDisk) {
        onDisk.append(c.fixture.ledger.block(0));
        List<String> early = new CopyOnWriteArrayList<>();
        AtomicInteger heard = new AtomicInteger();
        long half = target / 2;
        SyncFirst gate = new SyncFirst(c.transports.get(late), () -> onDisk.height() >= half);
        CountingPrefetches counting = new CountingPrefetches(gate);
        c.transports.set(late, counting);
        ProtocolDriver joiner = c.driver(late, onDisk, counting, new ConsensusListener() {
          @Override
          public void committed(Action.Committed commit) {
            heard.incrementAndGet();
            counting.heard.accumulateAndGet(commit.height(), Math::max);
            if (state.committed < commit.height()) {
              early.add("heard of block " + commit.height() + " with the state durable at " + state.committed);
            }
          }
        });
        c.drivers.add(joiner);
        joiner.start();
        NodeCluster.await(() -> onDisk.height() >= target, 60_000, "the late server catches up");
        joiner.call(p -> p.height()).get(30, TimeUnit.SECONDS);
        assertTrue(joiner.syncedBlocks() >= half, "blocks came through bulk sync: " + joiner.syncedBlocks());
        assertTrue(heard.get() >= target, "heard of " + heard.get() + " commits");
        assertEquals(List.of(), early.subList(0, Math.min(3, early.size())));
        assertTrue(counting.prefetched.get() >= 1,
            "the next blocks are asked for while a response is applied: " + counting.prefetched.get());
        joiner.close();
      }
    }
  }
}

package io.medledger.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.Action;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.consensus.ConsensusApp;
import io.medledger.consensus.ConsensusProtocol;
import io.medledger.consensus.Event;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.PeerBudget;
import io.medledger.internal.transport.NodeFrames;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Runs one sans-IO {@link ConsensusProtocol} in real time over a {@link PeerTransport}: the only
 * dispatcher of its {@link Action}s. One event-loop thread per node feeds the protocol its events
 * (start, submitted entries, authenticated inbound frames, timers on the wall clock, blocks from
 * bulk sync) one at a time and carries out each returned action in order before the next event:
 * sends and broadcasts go to the transport, timers are scheduled, commits, evidence and refusals
 * go to the {@link ConsensusListener}. A protocol persists its safety state before it returns the
 * actions that reveal it, so carrying them out afterwards keeps persist-before-send.
 *
 * <p>It also runs bulk sync ({@link BlockSync}): it answers peers' requests for certified blocks
 * from its {@link ConsensusApp}, and when peers claim more blocks than it has, it fetches them
 * from one peer at a time and hands each to the protocol as {@link Event.BlockDelivered}, which
 * checks the certificate against the membership at that height and the block with the full rules
 * before committing it. Once a response's first block commits, the blocks after it are asked for
 * from the same peer, so that they are served and carried while the response is applied. The
 * blocks of an awaited sync response are decoded ahead on a second thread ({@link
 * ConsensusApp#predecode(byte[], QuorumCertificate)}: decoded, and whatever the app checks ahead,
 * such as the certificates' signatures), so that work overlaps validation on the event loop.
 *
 * <p>Thread-safe: every public method may be called from any thread; the protocol and the app are
 * only touched on the event loop.
 */
public final class ProtocolDriver implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ProtocolDriver.class.getName());
  /**
   * Blocks of a sync response predecoded together, their certificates' signatures checked as one
   * batch: 64 blocks of 3 or more signatures each are past the size where a batch is cheaper.
   */
  static final int PREDECODE_RUN = 64;
  /** What a waiting frame is charged beyond its bytes (its queue slot and array header), so tiny frames cannot hold more memory than the quota. */
  static final int FRAME_COST = 64;

  private final ConsensusProtocol protocol;
  private final ConsensusApp<?> app;
  private final PeerTransport transport;
  private final ConsensusListener listener;
  private final DriverOptions options;
  private final int maxFrameBytes;
  private final ScheduledThreadPoolExecutor loop;
  /** Decodes awaited sync responses ahead of the loop; fed only through the per-peer byte quota. */
  private final ThreadPoolExecutor decoder;
  /** The peer and first height of the sync request sent last (a hint for the decoder), or null. */
  private volatile Map.Entry<Ed25519PublicKey, Long> awaited;
  /**
   * Each peer's bytes waiting for the loop (frames plus {@link #FRAME_COST} each), bounded by
   * {@link DriverOptions#maxQueuedBytesPerPeer}; a peer with nothing waiting has no entry, so the
   * map holds at most the peers with frames in flight (members that left leave nothing behind).
   */
  private final Map<Ed25519PublicKey, Long> queued = new ConcurrentHashMap<>();
  /** Frames waiting for the loop, per peer, the peers in turn order; guarded by itself. */
  private final LinkedHashMap<Ed25519PublicKey, ArrayDeque<byte[]>> inbox = new LinkedHashMap<>();
  /** Whether a {@link #drainRound} is queued on the loop; guarded by {@link #inbox}. */
  private boolean drainScheduled;
  private final BlockSync sync;
  /** Bytes of sync responses served per peer ({@link DriverOptions#syncServeBytesPerSecond}); loop only. */
  private final PeerBudget<Ed25519PublicKey> serveBudget;
  private volatile long height;
  private final AtomicLong synced = new AtomicLong();
  private volatile int round;
  private volatile boolean started;
  private volatile boolean stopped;
  /** Commits of the sync response being applied, told to the listener once durable; loop only. */
  private List<Action.Committed> heldCommits;

  /**
   * A driver of {@code protocol}, whose block store is {@code app} (read on the event loop to serve
   * sync requests; the protocol must be built over the same app), over {@code transport}, reporting
   * to {@code listener}. Frames larger than {@code maxFrameBytes} are neither sent nor accepted.
   *
   * @throws IllegalArgumentException if {@code maxFrameBytes} is below the transport minimum, or
   *     {@code options}' queue of one peer could not hold a frame of that size
   */
  public ProtocolDriver(ConsensusProtocol protocol, ConsensusApp<?> app, PeerTransport transport,
      ConsensusListener listener, DriverOptions options, int maxFrameBytes) {
    this.protocol = Objects.requireNonNull(protocol, "protocol");
    this.app = Objects.requireNonNull(app, "app");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.options = Objects.requireNonNull(options, "options");
    if (maxFrameBytes < TransportLimits.MIN_FRAME_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes must be at least " + TransportLimits.MIN_FRAME_BYTES);
    }
    if (options.maxQueuedBytesPerPeer() < maxFrameBytes + (long) FRAME_COST) {
      throw new IllegalArgumentException("maxQueuedBytesPerPeer (" + options.maxQueuedBytesPerPeer()
          + ") must hold one frame of maxFrameBytes (" + maxFrameBytes + ") and its " + FRAME_COST + "-byte slot");
    }
    this.maxFrameBytes = maxFrameBytes;
    this.sync = new BlockSync(options);
    this.serveBudget = new PeerBudget<>(options.syncServeBytesPerSecond(), options.syncServeBytesPerSecond());
    String name = "medledger-driver-" + transport.self().toHex().substring(0, 8);
    this.loop = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    loop.setRemoveOnCancelPolicy(true);
    loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.decoder = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, name + "-decode");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts the protocol and begins taking frames from the transport; idempotent. */
  public synchronized void start() {
    if (started) {
      return;
    }
    started = true;
    transport.setReceiver(this::onFrame);
    run(() -> {
      handle(new Event.Start());
      scheduleSync(0);
    });
  }

  /** Submits an encoded entry to the protocol (asynchronously; the protocol may drop it when its pool is full). */
  public void submit(byte[] entry) {
    byte[] copy = Objects.requireNonNull(entry, "entry").clone();
    run(() -> handle(new Event.EntrySubmitted(copy)));
  }

  /**
   * Hands a block and its certificate obtained out of band to the protocol; the future completes
   * with whether the committed height grew.
   */
  public CompletableFuture<Boolean> deliverBlock(byte[] block, QuorumCertificate certificate) {
    byte[] copy = Objects.requireNonNull(block, "block").clone();
    Objects.requireNonNull(certificate, "certificate");
    return call(p -> {
      long before = p.height();
      handle(new Event.BlockDelivered(copy, certificate));
      return p.height() > before;
    });
  }

  /**
   * Runs {@code task} on the event loop with the protocol (for reads that must not race with it);
   * the task must not keep the reference.
   */
  public <T> CompletableFuture<T> call(Function<ConsensusProtocol, T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    try {
      loop.execute(() -> {
        if (stopped) {
          f.completeExceptionally(new TransportException("the driver is stopped"));
          return;
        }
        try {
          f.complete(task.apply(protocol));
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new TransportException("the driver is closed"));
    }
    return f;
  }

  /** The height being decided, as of the last event handled. */
  public long height() {
    return height;
  }

  /** Blocks committed from bulk-sync responses since start. */
  public long syncedBlocks() {
    return synced.get();
  }

  /** The round at {@link #height()}, as of the last event handled. */
  public int round() {
    return round;
  }

  /** Whether the driver runs (started, not closed, and the protocol has not failed). */
  public boolean isRunning() {
    return started && !stopped && !loop.isShutdown();
  }

  /** Stops the event loop (pending events are dropped) and detaches from the transport; idempotent. The transport stays open. */
  @Override
  public void close() {
    stopped = true;
    transport.setReceiver(null);
    decoder.shutdownNow();
    loop.shutdownNow();
    try {
      decoder.awaitTermination(5, TimeUnit.SECONDS);
      loop.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- event loop

  private void run(Runnable task) {
    try {
      loop.execute(() -> {
        if (!stopped) {
          task.run();
        }
      });
    } catch (RejectedExecutionException e) {
      // closed: drop
    }
  }

  private void onFrame(Ed25519PublicKey from, byte[] frame) {
    if (stopped || from == null || frame.length > maxFrameBytes) {
      return;
    }
    boolean response = frame.length > 0 && frame[0] == NodeFrames.SYNC_RESPONSE;
    Map.Entry<Ed25519PublicKey, Long> a = awaited;
    if (response && (a == null || !a.getKey().equals(from))) {
      return; // nobody asked this peer: not worth decoding
    }
    if (!reserve(from, cost(frame))) {
      return;
    }
    if (response) {
      try {
        decoder.execute(() -> decodeAhead(from, frame));
      } catch (RejectedExecutionException e) {
        release(from, frame);
      }
      return;
    }
    boolean schedule;
    synchronized (inbox) {
      inbox.computeIfAbsent(from, k -> new ArrayDeque<>()).add(frame);
      schedule = !drainScheduled;
      drainScheduled = true;
    }
    if (schedule) {
      scheduleDrain();
    }
  }

  /** What a waiting frame counts against its peer's quota. */
  private static long cost(byte[] frame) {
    return frame.length + (long) FRAME_COST;
  }

  /** Counts {@code cost} against {@code peer}'s quota; false (nothing counted) if it would exceed it. */
  private boolean reserve(Ed25519PublicKey peer, long cost) {
    boolean[] fits = new boolean[1];
    queued.compute(peer, (k, held) -> {
      long now = (held == null ? 0 : held) + cost;
      if (now > options.maxQueuedBytesPerPeer()) {
        return held;
      }
      fits[0] = true;
      return now;
    });
    return fits[0];
  }

  /** Gives back what {@code frame} counted against {@code peer}'s quota; a peer left with nothing is dropped. */
  private void release(Ed25519PublicKey peer, byte[] frame) {
    long cost = cost(frame);
    queued.computeIfPresent(peer, (k, held) -> held > cost ? held - cost : null);
  }

  /** Peers with frames waiting for the loop or the decoder (for tests). */
  int peersQueued() {
    return queued.size();
  }

  private void scheduleDrain() {
    try {
      loop.execute(this::drainRound);
    } catch (RejectedExecutionException e) {
      // closed: the inbox is dropped with the driver
    }
  }

  /**
   * On the loop: one frame of each peer with frames waiting, in turn, then the loop's other work
   * (timers, local submissions) before the next round. So a peer that floods the node gets one
   * frame in each round like every other peer, and its backlog delays neither theirs nor the
   * node's own work by more than one frame per peer.
   */
  private void drainRound() {
    List<Map.Entry<Ed25519PublicKey, byte[]>> round = new ArrayList<>();
    synchronized (inbox) {
      for (var it = inbox.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Ed25519PublicKey, ArrayDeque<byte[]>> e = it.next();
        round.add(Map.entry(e.getKey(), e.getValue().poll()));
        if (e.getValue().isEmpty()) {
          it.remove(); // it rejoins at the end of the turn when its next frame comes
        }
      }
    }
    for (Map.Entry<Ed25519PublicKey, byte[]> e : round) {
      release(e.getKey(), e.getValue());
      if (!stopped) {
        dispatch(e.getKey(), e.getValue());
      }
    }
    boolean more;
    synchronized (inbox) {
      more = !inbox.isEmpty();
      drainScheduled = more;
    }
    if (more && !stopped) {
      scheduleDrain();
    }
  }

  /**
   * On the decoder thread: decodes a sync response frame and, when it answers the request in
   * flight, predecodes its blocks in order, handing the response to the loop as soon as the first
   * block is ready. Anything else goes to the loop as it came.
   */
  private void decodeAhead(Ed25519PublicKey from, byte[] frame) {
    NodeFrames.Frame f = null;
    try {
      f = NodeFrames.decode(frame, maxFrameBytes);
    } catch (MalformedEncodingException e) {
      // the loop decodes it again and counts the failure against the peer
    }
    NodeFrames.Frame decoded = f;
    Runnable onLoop = () -> {
      release(from, frame);
      if (!stopped) {
        if (decoded == null) {
          dispatch(from, frame);
        } else {
          dispatch(from, decoded);
        }
      }
    };
    Map.Entry<Ed25519PublicKey, Long> a = awaited;
    List<byte[]> blocks = decoded instanceof NodeFrames.SyncResponse r && a != null && a.getKey().equals(from)
        && a.getValue() == r.fromHeight() ? r.blocks() : List.of();
    List<QuorumCertificate> certificates = blocks.isEmpty() ? List.of()
        : ((NodeFrames.SyncResponse) decoded).certificates();
    try {
      if (!blocks.isEmpty()) {
        app.predecode(blocks.get(0), certificates.get(0));
      }
      loop.execute(onLoop);
    } catch (RejectedExecutionException e) {
      release(from, frame);
      return;
    }
    long first = blocks.isEmpty() ? 0 : ((NodeFrames.SyncResponse) decoded).fromHeight();
    for (int i = 1; i < blocks.size() && !stopped; i += PREDECODE_RUN) {
      // skip what the loop has passed (it decodes a block itself when it gets there first)
      int start = (int) Math.max(i, Math.min(blocks.size(), height - first));
      int to = Math.min(blocks.size(), i + PREDECODE_RUN);
      if (start < to) {
        app.predecodeAll(blocks.subList(start, to), certificates.subList(start, to));
      }
    }
  }

  private void dispatch(Ed25519PublicKey from, byte[] bytes) {
    NodeFrames.Frame f;
    try {
      f = NodeFrames.decode(bytes, maxFrameBytes);
    } catch (MalformedEncodingException e) {
      LOG.log(Level.DEBUG, () -> "dropped a malformed frame from " + from.toHex() + ": " + e.getMessage());
      if (bytes.length > 0 && bytes[0] == NodeFrames.SYNC_RESPONSE) {
        sync.malformed(from, now());
      }
      return;
    }
    dispatch(from, f);
  }

  private void dispatch(Ed25519PublicKey from, NodeFrames.Frame f) {
    if (f instanceof NodeFrames.Consensus c) {
      handle(new Event.MessageReceived(from, c.message()));
    } else if (f instanceof NodeFrames.SyncRequest q) {
      serve(from, q);
    } else if (f instanceof NodeFrames.SyncResponse r) {
      onSyncResponse(from, r);
    } else if (f instanceof NodeFrames.CheckpointNote n) {
      try {
        listener.checkpointReceived(from, n.payload());
      } catch (RuntimeException ex) {
        LOG.log(Level.WARNING, "listener failed on a checkpoint from " + from.toHex(), ex);
      }
    }
  }

  private void handle(Event e) {
    if (stopped) {
      return;
    }
    List<Action> actions;
    try {
      actions = protocol.handle(e);
    } catch (RuntimeException ex) {
      if (e instanceof Event.MessageReceived || e instanceof Event.BlockDelivered) {
        // a hostile input must not stop the node; the protocol's state is unchanged by a refused input
        LOG.log(Level.WARNING, "protocol refused an input: " + ex);
        return;
      }
      fail(ex);
      return;
    }
    height = protocol.height();
    round = protocol.round();
    for (Action a : actions) {
      try {
        carryOut(a);
      } catch (RuntimeException ex) {
        LOG.log(Level.WARNING, "listener failed on " + a.getClass().getSimpleName(), ex);
      }
    }
  }

  private void fail(Throwable cause) {
    stopped = true;
    LOG.log(Level.ERROR, "consensus protocol failed; the driver stopped", cause);
    try {
      listener.failed(cause);
    } finally {
      loop.shutdown();
    }
  }

  private void carryOut(Action a) {
    if (a instanceof Action.Send s) {
      send(s.to(), NodeFrames.consensus(s.message().encode()));
    } else if (a instanceof Action.Broadcast b) {
      byte[] frame = NodeFrames.consensus(b.message().encode());
      for (Ed25519PublicKey k : transport.connectedPeers()) {
        send(k, frame);
      }
    } else if (a instanceof Action.SetTimer t) {
      long delay = Math.max(0, t.delay().toMillis());
      try {
        loop.schedule(() -> {
          if (!stopped) {
            handle(new Event.TimerFired(t.timer()));
          }
        }, delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closed
      }
    } else if (a instanceof Action.Committed c) {
      if (heldCommits != null) {
        heldCommits.add(c);
      } else {
        listener.committed(c);
      }
    } else if (a instanceof Action.EvidenceFound f) {
      listener.evidenceFound(f);
    } else if (a instanceof Action.ProposalRejected r) {
      listener.proposalRejected(r);
    } else {
      throw new IllegalStateException("unknown action " + a.getClass().getName());
    }
  }

  private void send(Ed25519PublicKey to, byte[] frame) {
    if (frame.length > maxFrameBytes) {
      LOG.log(Level.WARNING, "not sending a frame of " + frame.length + " bytes above the cap " + maxFrameBytes);
      return;
    }
    if (!to.equals(transport.self())) {
      transport.send(to, frame);
    }
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  // ---------------------------------------------------------------- bulk sync

  private long committedHeight() {
    return protocol.height() - 1;
  }

  private void scheduleSync(long delayMillis) {
    try {
      loop.schedule(this::syncTick, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void syncTick() {
    if (stopped) {
      return;
    }
    pollSync();
    scheduleSync(Math.max(10, options.syncInterval().toMillis() / 4));
  }

  private void pollSync() {
    Optional<Map.Entry<Ed25519PublicKey, NodeFrames.SyncRequest>> next =
        sync.poll(now(), committedHeight(), transport.connectedPeers());
    next.ifPresent(this::sendSyncRequest);
  }

  private void sendSyncRequest(Map.Entry<Ed25519PublicKey, NodeFrames.SyncRequest> r) {
    awaited = Map.entry(r.getKey(), r.getValue().fromHeight());
    transport.send(r.getKey(), NodeFrames.encode(r.getValue()));
  }

  private void serve(Ed25519PublicKey from, NodeFrames.SyncRequest q) {
    if (!serveBudget.allows(from, now())) {
      return; // over its rate: dropped before anything is read
    }
    long committed = app.committedHeight();
    List<byte[]> blocks = new ArrayList<>();
    List<QuorumCertificate> certs = new ArrayList<>();
    long budget = maxFrameBytes - TransportLimits.FRAME_OVERHEAD;
    long last = Math.min(committed, q.fromHeight() + q.count() - 1);
    for (long h = q.fromHeight(); h <= last; h++) {
      byte[] b = app.encodedBlock(h);
      QuorumCertificate c = app.certificate(h);
      long size = b.length + 8L + c.encode().length;
      if (size > budget) {
        break;
      }
      budget -= size;
      blocks.add(b);
      certs.add(c);
    }
    byte[] frame = NodeFrames.encode(new NodeFrames.SyncResponse(q.fromHeight(), committed, blocks, certs));
    serveBudget.charge(from, frame.length);
    send(from, frame);
  }

  private void onSyncResponse(Ed25519PublicKey from, NodeFrames.SyncResponse r) {
    if (!sync.expects(from, r)) {
      return;
    }
    int first = sync.firstToApply(r, committedHeight());
    if (first < 0) {
      sync.stale();
      return;
    }
    int committed = first; // blocks committed by other means meanwhile count as committed
    // One durable write for the whole response: the app may defer durability while its blocks are
    // applied (they are final on the network), and the listener hears of them only once durable.
    heldCommits = new ArrayList<>();
    try {
      app.beginCatchUp();
      for (int i = first; i < r.blocks().size(); i++) {
        long before = protocol.height();
        handle(new Event.BlockDelivered(r.blocks().get(i), r.certificates().get(i)));
        if (stopped || protocol.height() <= before) {
          break;
        }
        committed++;
        synced.incrementAndGet();
        if (i == first) {
          // the peer's answer commits: ask it for the blocks after this response while it is applied
          sync.prefetch(from, r, now()).ifPresent(this::sendSyncRequest);
        }
      }
      app.endCatchUp();
    } catch (RuntimeException ex) {
      heldCommits = null;
      fail(ex);
      return;
    }
    List<Action.Committed> held = heldCommits;
    heldCommits = null;
    for (Action.Committed c : held) {
      try {
        listener.committed(c);
      } catch (RuntimeException ex) {
        LOG.log(Level.WARNING, "listener failed on Committed", ex);
      }
    }
    if (sync.completed(from, r, committed, committedHeight(), now())) {
      pollSync();
    }
  }
}

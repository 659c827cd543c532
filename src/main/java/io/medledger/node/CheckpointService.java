package io.medledger.node;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.Ledger;
import io.medledger.chain.Witness;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.transport.NodeFrames;
import io.medledger.merkle.LeafHashLog;
import io.medledger.tlog.Checkpoint;
import io.medledger.tlog.CheckpointPublisher;
import io.medledger.tlog.CheckpointStore;
import io.medledger.tlog.CheckpointVerdict;
import io.medledger.tlog.CheckpointVerifier;
import io.medledger.tlog.NoteKey;
import io.medledger.tlog.NoteKeyBinding;
import io.medledger.tlog.NoteSigner;
import io.medledger.tlog.SignedNote;
import io.medledger.tlog.WitnessRequest;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A node's side of the ledger log in the open. For every certified block a federation server
 * signs the checkpoint of the ledger-wide log with its note key (derived from and bound to its
 * ledger key), sends it with its binding to its peers over the peer transport, and sends it to
 * every witness the chain lists ({@code tlog-witness} {@code add-checkpoint} over HTTP). What comes
 * back — the other servers' signatures, witness cosignatures — is merged into the stored
 * checkpoint once it verifies: server signatures only under a valid binding of a current
 * federation server, cosignatures only from witnesses the chain lists at that moment. Audit and
 * storage nodes keep the checkpoints their federation servers send them, after checking them
 * against their own log. A checkpoint with another text for a stored size is refused and logged
 * (a split view).
 *
 * <p>What it keeps about a federation server goes when the federation no longer lists it: its
 * binding, and its line in the stored verifier keys (at once on the next block, and on start for a
 * removal committed while the node was down); so does the state of a witness the chain no longer
 * lists. The signatures a server made while it was a member stay in the stored notes as they were
 * signed, but vouch for nothing once it left: a checkpoint is verified under the current
 * federation's bindings (lines of other keys are ignored), and the current servers sign newer
 * checkpoints that extend the old ones.
 *
 * <p>Thread-safe: the work runs on one thread of its own; the transport and the ledger are read
 * from it.
 */
final class CheckpointService implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(CheckpointService.class.getName());
  /** Longest wait for a witness's answer. */
  static final Duration WITNESS_TIMEOUT = Duration.ofSeconds(10);
  /** How long peers' merged notes wait in memory to be written together. */
  static final Duration FLUSH_DELAY = Duration.ofMillis(100);
  /** Largest witness answer read (cosignature lines or a size). */
  static final int MAX_WITNESS_RESPONSE = 16 << 10;
  /**
   * How often a federation server signs a checkpoint: for the block whose timestamp opens a new
   * interval of this length, and for a tip that no newer block followed within it.
   */
  static final Duration INTERVAL = Duration.ofSeconds(1);

  private final Ledger ledger;
  private final LeafHashLog log;
  private final CheckpointStore store;
  private final PeerTransport transport;
  private final Optional<CheckpointPublisher> publisher;
  private final Optional<NoteKeyBinding> binding;
  /** The signer of this server's notes, over a key derived from its ledger key; destroyed on close. */
  private final Optional<NoteSigner> noteSigner;
  private final ScheduledExecutorService exec;
  /** Confined to {@link #exec}: whether a flush of merged peers' notes is scheduled. */
  private boolean flushScheduled;
  /** Checkpoint interval in milliseconds; 0 signs every block. */
  private final long intervalMillis;
  /** Confined to {@link #exec}: the pending signature of a tip that no newer block has followed yet. */
  private ScheduledFuture<?> quietTip;
  /** Confined to {@link #exec}: the largest ledger size this server signed a checkpoint of. */
  private long signedSize = -1;
  private final HttpClient http;
  private final String origin;
  /** Confined to {@link #exec}: bound note keys by ledger key (this server's included). */
  private final Map<Ed25519PublicKey, NoteKeyBinding> bindings = new LinkedHashMap<>();
  /** Confined to {@link #exec}: per witness name, the size it last cosigned and whether a request is out. */
  private final Map<String, WitnessState> witnesses = new HashMap<>();
  /**
   * Confined to {@link #exec}: per federation server, its latest note for a size this node has
   * not reached yet (one per server, so a server cannot fill memory).
   */
  private final Map<Ed25519PublicKey, SignedNote> early = new HashMap<>();
  private volatile boolean closed;
  /** A snapshot of {@link #bindings} for readers on other threads. */
  private volatile List<NoteKeyBinding> knownBindings = List.of();

  /** How many checkpoint sizes, the latest, {@link #cosigningRound} remembers. */
  static final int ROUNDS_KEPT = 64;
  /**
   * Confined to {@link #exec}: per checkpoint size (the latest {@link #ROUNDS_KEPT}), the witnesses
   * listed when this server signed it and those sent a request carrying it.
   */
  private final Map<Long, RoundLog> rounds = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, RoundLog> eldest) {
      return size() > ROUNDS_KEPT;
    }
  };
  /** Confined to {@link #exec}: witness requests sent and not yet answered, failed or timed out. */
  private int requestsOut;

  private static final class RoundLog {
    boolean signed;
    List<String> listed = List.of();
    final List<String> asked = new ArrayList<>();
  }

  /**
   * What a federation server did to have the checkpoint of {@code size} cosigned.
   *
   * @param signed whether this server signed that size
   * @param listed the names of the witnesses the chain listed when it signed it (empty if it did not)
   * @param asked the names of the witnesses sent a request carrying that size, in order (a name
   *     twice for a retry)
   * @param settled whether no witness request of this server was out when read, so that every
   *     answer to the requests in {@code asked} was merged or refused
   */
  record CosigningRound(long size, boolean signed, List<String> listed, List<String> asked, boolean settled) {
    CosigningRound {
      listed = List.copyOf(listed);
      asked = List.copyOf(asked);
    }
  }

  private static final class WitnessState {
    long size;
    boolean inFlight;
    boolean again;
  }

  /**
   * A service over {@code ledger} and its ledger-wide {@code log}, storing into {@code store};
   * {@code ledgerKey} is present on federation servers, which sign.
   */
  CheckpointService(Ledger ledger, LeafHashLog log, CheckpointStore store, PeerTransport transport,
      Optional<Ed25519PrivateKey> ledgerKey) {
    this(ledger, log, store, transport, ledgerKey, INTERVAL);
  }

  /** As above, signing at {@code interval} ({@link Duration#ZERO}: every block). */
  CheckpointService(Ledger ledger, LeafHashLog log, CheckpointStore store, PeerTransport transport,
      Optional<Ed25519PrivateKey> ledgerKey, Duration interval) {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("negative checkpoint interval");
    }
    this.intervalMillis = interval.toMillis();
    this.ledger = ledger;
    this.log = log;
    this.store = store;
    this.transport = transport;
    this.origin = Checkpoint.originOf(ledger.parameters().chainId());
    if (ledgerKey.isPresent()) {
      NoteSigner signer = NoteSigner.forServer(ledger.parameters().chainId(), ledgerKey.get());
      this.noteSigner = Optional.of(signer);
      NoteKeyBinding b = NoteKeyBinding.create(ledgerKey.get(), signer.verifierKey());
      this.publisher = Optional.of(new CheckpointPublisher(ledger.parameters().chainId(), log, signer, store));
      this.binding = Optional.of(b);
      bindings.put(b.ledgerKey(), b);
      knownBindings = List.of(b);
    } else {
      this.publisher = Optional.empty();
      this.binding = Optional.empty();
      this.noteSigner = Optional.empty();
    }
    checkStoredLatest();
    forgetDepartedKeys();
    String tag = transport.self().toHex().substring(0, 8);
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "medledger-checkpoints-" + tag);
      t.setDaemon(true);
      return t;
    });
    // close() cancels the delayed work (a quiet tip's signature an interval ahead, a flush) instead
    // of waiting for it to come due and skip itself: with the default policy close waited up to an
    // interval, or the 5 s of Shutdown.within for a longer one
    e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    e.setRemoveOnCancelPolicy(true);
    this.exec = e;
    this.http = HttpClient.newBuilder().connectTimeout(WITNESS_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /**
   * Refuses a stored latest checkpoint that this log cannot have produced: of another origin, or
   * with a root that is not the log's at its size. One ahead of the log is kept (peers' notes merged
   * before a crash that lost blocks not yet durable); it is replaced once the log passes it.
   *
   * @throws NodeException with reason DATA_DIRECTORY naming the file, also when it cannot be parsed
   *     (cut short, zero-filled)
   */
  private void checkStoredLatest() {
    Optional<SignedNote> latest;
    try {
      latest = store.latest();
    } catch (io.medledger.storage.StoreCorruptedException e) {
      throw refusedLatest("is damaged (" + e.reason() + ")", e);
    }
    if (latest.isEmpty()) {
      return;
    }
    Checkpoint c = Checkpoint.parse(latest.get().text());
    String problem = !c.origin().equals(origin) ? "is of another log (origin '" + c.origin() + "')"
        : c.size() <= log.size() && !log.root(c.size()).equals(c.root())
            ? "does not match the ledger-wide log at size " + c.size() : null;
    if (problem != null) {
      throw refusedLatest(problem, null);
    }
  }

  private NodeException refusedLatest(String problem, Throwable cause) {
    return new NodeException(NodeException.Reason.DATA_DIRECTORY, "the latest checkpoint "
        + store.directory().resolve(CheckpointStore.LATEST) + " " + problem
        + "; checkpoints are derived data: delete it, and the next checkpoint takes its place", cause);
  }

  /** This server's note key binding, on federation servers. */
  Optional<NoteKeyBinding> binding() {
    return binding;
  }

  /** The note key bindings of the federation servers this node has heard from (itself included). */
  List<NoteKeyBinding> bindings() {
    return knownBindings;
  }

  /** Peers' notes held for a size this node has not reached (read on the service's thread; for tests). */
  int earlyNotes() throws InterruptedException {
    return onThread(early::size);
  }

  /** The store. */
  CheckpointStore store() {
    return store;
  }

  private void run(Runnable task) {
    if (closed) {
      return;
    }
    try {
      exec.execute(guarded(task));
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /** {@code task}, skipped once closed, its failure logged rather than thrown into the executor. */
  private Runnable guarded(Runnable task) {
    return () -> {
      if (closed) {
        return;
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "checkpoint work failed", e);
      }
    };
  }

  // ------------------------------------------------------------------ own checkpoints

  /**
   * A block was committed (called on the driver's thread; the work is queued). A federation server
   * signs its checkpoint when the block's timestamp opens a new {@link #INTERVAL} (the previous
   * block's lies in an earlier one: a rule of the chain, so every server signs the same sizes), or
   * when no newer block has followed it within the interval.
   */
  void committed(BlockHeader header) {
    run(() -> onCommitted(header, false));
  }

  /** The node started at {@code tip}: a federation server signs its checkpoint at once. */
  void started(BlockHeader tip) {
    run(() -> onCommitted(tip, true));
  }

  private void onCommitted(BlockHeader header, boolean now) {
    forgetDeparted();
    if (publisher.isEmpty()) {
      mergeEarly();
      recordKeys();
      return;
    }
    if (quietTip != null) {
      quietTip.cancel(false);
      quietTip = null;
    }
    if (now || opensInterval(header)) {
      publish(header);
      return;
    }
    try {
      quietTip = exec.schedule(guarded(() -> {
        quietTip = null;
        if (ledger.height() == header.height() && signedSize < header.ledgerSize()) {
          publish(header);
        }
      }), intervalMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /** Whether {@code header}'s timestamp lies in a later interval than its parent's (always, at interval 0 and genesis). */
  private boolean opensInterval(BlockHeader header) {
    if (intervalMillis == 0 || header.height() == 0) {
      return true;
    }
    long parent = ledger.header(header.height() - 1).timestamp();
    return Math.floorDiv(header.timestamp(), intervalMillis) != Math.floorDiv(parent, intervalMillis);
  }

  /**
   * Merges the waiting peers' notes that this node's log has reached, and drops those of servers
   * the federation no longer lists (a removed server's note for a size never reached stayed).
   */
  private void mergeEarly() {
    if (early.isEmpty()) {
      return;
    }
    List<Ed25519PublicKey> federation = ledger.membership().federationKeys();
    early.keySet().retainAll(federation);
    for (var it = early.values().iterator(); it.hasNext(); ) {
      SignedNote n = it.next();
      if (Checkpoint.parse(n.text()).size() <= log.size()) {
        it.remove();
        mergePeerNote(n);
      }
    }
  }

  private void publish(BlockHeader header) {
    SignedNote note = publisher.get().publish(header);
    signedSize = Math.max(signedSize, header.ledgerSize());
    mergeEarly();
    recordKeys();
    broadcast(store.at(header.ledgerSize()).orElse(note));
    RoundLog round = roundLog(header.ledgerSize());
    round.signed = true;
    round.listed = ledger.witnesses().stream().map(Witness::name).toList();
    for (Witness w : ledger.witnesses()) {
      askWitness(w);
    }
  }

  private void broadcast(SignedNote note) {
    byte[] payload = payload(binding.orElseThrow(), note);
    for (Ed25519PublicKey peer : transport.connectedPeers()) {
      transport.send(peer, NodeFrames.checkpoint(payload));
    }
  }

  /** The frame payload: the sender's binding on one line, then the signed note. */
  static byte[] payload(NoteKeyBinding b, SignedNote note) {
    byte[] head = (b.encode() + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] n = note.toBytes();
    byte[] out = java.util.Arrays.copyOf(head, head.length + n.length);
    System.arraycopy(n, 0, out, head.length, n.length);
    return out;
  }

  /**
   * Drops the bindings of the servers the federation no longer lists (this server's own is kept)
   * and the states of the witnesses the chain no longer lists; the verifier keys are written
   * again without them.
   */
  private void forgetDeparted() {
    Set<Ed25519PublicKey> federation = new HashSet<>(ledger.membership().federationKeys());
    Optional<Ed25519PublicKey> own = binding.map(NoteKeyBinding::ledgerKey);
    boolean dropped = bindings.keySet().removeIf(k -> !federation.contains(k) && !own.equals(Optional.of(k)));
    Set<String> listed = new HashSet<>();
    for (Witness w : ledger.witnesses()) {
      listed.add(w.name());
    }
    witnesses.keySet().retainAll(listed);
    if (dropped) {
      knownBindings = List.copyOf(bindings.values());
      recordKeys();
    }
  }

  /**
   * On start: drops from the stored verifier keys the lines of servers the federation no longer
   * lists and of witnesses the chain no longer lists (a removal committed while the node was down,
   * or before it wrote them again). A damaged file is left to {@link #recordKeys}.
   */
  private void forgetDepartedKeys() {
    List<NoteKey> stored;
    try {
      stored = store.verifierKeys();
    } catch (io.medledger.storage.StoreCorruptedException e) {
      return;
    }
    Set<String> servers = new HashSet<>();
    for (Ed25519PublicKey k : ledger.membership().federationKeys()) {
      servers.add(NoteKeyBinding.serverKeyName(ledger.parameters().chainId(), k));
    }
    binding.ifPresent(b -> servers.add(b.noteKey().name()));
    Set<NoteKey> listed = new HashSet<>();
    for (Witness w : ledger.witnesses()) {
      listed.add(NoteKey.of(w));
    }
    List<NoteKey> kept = stored.stream().filter(k -> servers.contains(k.name()) || listed.contains(k)).toList();
    if (kept.size() != stored.size()) {
      store.putVerifierKeys(kept);
    }
  }

  /** Records the verifier keys in the store if they changed; a damaged file is written again. */
  private void recordKeys() {
    List<NoteKey> keys = new ArrayList<>();
    for (NoteKeyBinding b : bindings.values()) {
      keys.add(b.noteKey());
    }
    for (Witness w : ledger.witnesses()) {
      keys.add(NoteKey.of(w));
    }
    List<NoteKey> stored;
    try {
      stored = store.verifierKeys();
    } catch (io.medledger.storage.StoreCorruptedException e) {
      // derived from the bindings and the ledger: written again, else every later signing would stop here
      LOG.log(Level.WARNING, () -> "writing the damaged " + e.segment() + " again: " + e.reason());
      stored = null;
    }
    if (!keys.equals(stored)) {
      store.putVerifierKeys(keys);
    }
  }

  /** The policy a note must satisfy to be merged: current federation bindings, listed witnesses. */
  private CheckpointVerifier policy(int minCosignatures, List<NoteKey> witnessKeys) {
    // Every binding in the map verified when it entered it (this node's own was made here, a peer's
    // in onPeerNote), so only membership is checked here: as CheckpointVerifier.forFederation does,
    // without verifying each binding's signature again for every note.
    return new CheckpointVerifier(origin, serverNoteKeys(), 1, List.of(), 0, 0)
        .requireWitnesses(witnessKeys, minCosignatures);
  }

  /** The note keys of the bindings held for current federation servers, in binding order. */
  private List<NoteKey> serverNoteKeys() {
    List<Ed25519PublicKey> federation = ledger.membership().federationKeys();
    java.util.Set<NoteKey> keys = new java.util.LinkedHashSet<>();
    for (NoteKeyBinding b : bindings.values()) {
      if (federation.contains(b.ledgerKey())) {
        keys.add(b.noteKey());
      }
    }
    return List.copyOf(keys);
  }

  // ------------------------------------------------------------------ peers' checkpoints

  /** A peer sent a checkpoint frame (called on the driver's thread; the work is queued). */
  void received(Ed25519PublicKey from, byte[] payload) {
    run(() -> onPeerNote(from, payload));
  }

  private void onPeerNote(Ed25519PublicKey from, byte[] payload) {
    if (!ledger.membership().federationKeys().contains(from)) {
      return; // only federation servers sign checkpoints
    }
    int nl = 0;
    while (nl < payload.length && nl < 1024 && payload[nl] != '\n') {
      nl++;
    }
    NoteKeyBinding b;
    SignedNote note;
    try {
      if (nl >= payload.length || payload[nl] != '\n') {
        throw new MalformedEncodingException("no binding line");
      }
      b = NoteKeyBinding.parse(new String(payload, 0, nl, StandardCharsets.UTF_8));
      note = SignedNote.parse(java.util.Arrays.copyOfRange(payload, nl + 1, payload.length));
    } catch (MalformedEncodingException e) {
      LOG.log(Level.DEBUG, () -> "malformed checkpoint from " + from.toHex() + ": " + e.getMessage());
      return;
    }
    // a peer repeats its binding with every note: verify it only when it differs from the one held
    NoteKeyBinding held = bindings.get(from);
    boolean known = held != null && held.noteKey().equals(b.noteKey())
        && java.security.MessageDigest.isEqual(held.signature(), b.signature());
    if (!b.ledgerKey().equals(from) || !known && !b.verifyForServer(ledger.parameters().chainId())) {
      LOG.log(Level.WARNING, () -> "checkpoint from " + from.toHex() + " with an invalid note key binding; dropped");
      return;
    }
    NoteKeyBinding before = bindings.put(from, b);
    if (before == null || !before.noteKey().equals(b.noteKey())) {
      knownBindings = List.copyOf(bindings.values());
    }
    long size;
    try {
      size = Checkpoint.parse(note.text()).size();
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      return;
    }
    if (size > log.size()) {
      early.put(from, note);
      return;
    }
    mergePeerNote(note);
    recordKeys();
  }

  private void mergePeerNote(SignedNote received) {
    SignedNote note = unstoredLines(received);
    if (note == null) {
      return; // every line is stored already, so each verified when it was merged
    }
    List<NoteKey> listed = ledger.witnesses().stream().map(NoteKey::of).toList();
    CheckpointVerdict v = policy(0, listed).verify(note, System.currentTimeMillis() / 1000);
    if (!v.isVerified()) {
      LOG.log(Level.WARNING, () -> "refused a peer's checkpoint: " + v.reason() + " (" + v.detail() + ")");
      return;
    }
    Checkpoint c = v.checkpoint().orElseThrow().checkpoint();
    if (c.size() > log.size() || !log.root(c.size()).equals(c.root())) {
      LOG.log(Level.ERROR, () -> "a federation server signed a checkpoint of size " + c.size()
          + " that is not this node's log: a split view");
      return;
    }
    try {
      store.merge(verifiedLines(note, v));
      scheduleFlush();
    } catch (IllegalStateException e) {
      LOG.log(Level.ERROR, () -> "checkpoint of size " + c.size() + " conflicts with the stored one: " + e.getMessage());
    }
  }

  /**
   * The note without the signature lines already stored for the same text, or null when none is
   * left. A federation server forwards the note it holds, with its peers' lines merged, so the
   * same line arrives from several peers; a stored line verified when it was merged, and the same
   * bytes under the same text verify alike, so only the new lines are checked (with one stored
   * server line when the new ones are all witnesses' cosignatures).
   */
  private SignedNote unstoredLines(SignedNote note) {
    long size;
    try {
      size = Checkpoint.parse(note.text()).size();
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      return note; // refused by the verifier below
    }
    Optional<SignedNote> held = store.at(size);
    if (held.isEmpty() || !held.get().text().equals(note.text())) {
      return note;
    }
    List<NoteKey> serverKeys = serverNoteKeys();
    List<io.medledger.tlog.NoteSignature> fresh = new ArrayList<>();
    io.medledger.tlog.NoteSignature heldSigner = null;
    boolean freshSigner = false;
    for (io.medledger.tlog.NoteSignature s : note.signatures()) {
      boolean signer = serverKeys.stream().anyMatch(k -> k.matches(s));
      if (!held.get().signatures().contains(s)) {
        fresh.add(s);
        freshSigner |= signer;
      } else if (signer && heldSigner == null) {
        heldSigner = s;
      }
    }
    if (fresh.isEmpty()) {
      return null;
    }
    if (!freshSigner && heldSigner != null) {
      fresh.add(0, heldSigner); // a note needs a server's signature to be accepted: keep one
    }
    return fresh.size() == note.signatures().size() ? note : new SignedNote(note.text(), fresh);
  }

  /**
   * Writes the peers' notes merged in the next {@link #FLUSH_DELAY} at once: the federation
   * servers' notes for a block arrive within milliseconds of each other, and each write is two
   * forced files and a forced directory.
   */
  private void scheduleFlush() {
    if (flushScheduled || closed) {
      return;
    }
    flushScheduled = true;
    try {
      exec.schedule(() -> {
        flushScheduled = false;
        try {
          store.flush();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "writing merged checkpoints failed (kept for the next write)", e);
        }
      }, FLUSH_DELAY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      flushScheduled = false; // closed: close() flushes
    }
  }

  /** The note with only the signature lines the verdict counted (unknown lines are not stored). */
  private static SignedNote verifiedLines(SignedNote note, CheckpointVerdict v) {
    var vc = v.checkpoint().orElseThrow();
    List<io.medledger.tlog.NoteSignature> keep = new ArrayList<>();
    for (io.medledger.tlog.NoteSignature s : note.signatures()) {
      boolean known = vc.signers().stream().anyMatch(k -> k.matches(s))
          || vc.cosignatures().stream().anyMatch(c -> c.witness().matches(s));
      if (known) {
        keep.add(s);
      }
    }
    return new SignedNote(note.text(), keep);
  }

  // ------------------------------------------------------------------ witnesses

  private void askWitness(Witness w) {
    WitnessState st = witnesses.computeIfAbsent(w.name(), k -> new WitnessState());
    if (st.inFlight) {
      st.again = true;
      return;
    }
    send(w, st, 0);
  }

  private void send(Witness w, WitnessState st, int attempt) {
    WitnessRequest req;
    try {
      req = publisher.orElseThrow().witnessRequest(st.size);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      st.size = 0; // the witness claimed a size beyond this log; start over
      req = publisher.orElseThrow().witnessRequest(0);
    }
    long size = Checkpoint.parse(req.checkpoint().text()).size();
    String base = w.url().endsWith("/") ? w.url() : w.url() + "/";
    HttpRequest r = HttpRequest.newBuilder(URI.create(base + "add-checkpoint")).timeout(WITNESS_TIMEOUT)
        .POST(HttpRequest.BodyPublishers.ofByteArray(req.encode())).build();
    st.inFlight = true;
    roundLog(size).asked.add(w.name());
    requestsOut++;
    http.sendAsync(r, info -> new BoundedBody(MAX_WITNESS_RESPONSE)).orTimeout(2 * WITNESS_TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS).whenCompleteAsync((resp, err) -> {
          boolean retrying = false;
          try {
            if (err != null) {
              LOG.log(Level.INFO, () -> "witness " + w.name() + " unreachable: " + err);
            } else {
              retrying = handle(w, st, size, resp, attempt);
            }
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "witness " + w.name() + " answer failed", e);
          } finally {
            requestsOut--;
            if (!retrying) {
              st.inFlight = false;
              if (st.again && !closed && ledger.witnesses().contains(w)) {
                st.again = false;
                send(w, st, 0);
              }
            }
          }
        }, exec);
  }

  /** Collects a response body of at most {@code max} bytes; a longer one fails. */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    private final java.util.concurrent.CompletableFuture<byte[]> result = new java.util.concurrent.CompletableFuture<>();
    private java.util.concurrent.Flow.Subscription subscription;

    BoundedBody(int max) {
      this.max = max;
    }

    @Override
    public java.util.concurrent.CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<java.nio.ByteBuffer> items) {
      for (java.nio.ByteBuffer b : items) {
        if (out.size() + b.remaining() > max) {
          subscription.cancel();
          result.completeExceptionally(new java.io.IOException("response larger than " + max + " bytes"));
          return;
        }
        byte[] a = new byte[b.remaining()];
        b.get(a);
        out.writeBytes(a);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }

  /** Handles a witness's answer; true when a retry from the witness's size went out. */
  private boolean handle(Witness w, WitnessState st, long size, HttpResponse<byte[]> resp, int attempt) {
    byte[] body = resp.body();
    if (resp.statusCode() == 409 && attempt == 0) {
      String s = new String(body, StandardCharsets.US_ASCII).trim();
      if (s.matches("(0|[1-9][0-9]{0,17})") && !closed && ledger.witnesses().contains(w)) { // not if delisted meanwhile
        st.size = Long.parseLong(s);
        send(w, st, 1);
        return true;
      }
      return false;
    }
    if (resp.statusCode() != 200) {
      LOG.log(Level.WARNING, () -> "witness " + w.name() + " refused the checkpoint of size " + size + ": HTTP "
          + resp.statusCode());
      return false;
    }
    if (!ledger.witnesses().contains(w)) {
      return false; // delisted meanwhile
    }
    SignedNote stored = store.at(size).orElseThrow();
    SignedNote cosigned;
    try {
      byte[] text = (stored.text() + "\n").getBytes(StandardCharsets.UTF_8);
      byte[] all = java.util.Arrays.copyOf(text, text.length + body.length);
      System.arraycopy(body, 0, all, text.length, body.length);
      cosigned = SignedNote.parse(all);
    } catch (MalformedEncodingException e) {
      LOG.log(Level.WARNING, () -> "witness " + w.name() + " answered no cosignature lines: " + e.getMessage());
      return false;
    }
    CheckpointVerdict v = publisher.orElseThrow().addSignatures(cosigned,
        policy(1, List.of(NoteKey.of(w))), System.currentTimeMillis() / 1000);
    if (!v.isVerified()) {
      LOG.log(Level.WARNING, () -> "witness " + w.name() + "'s cosignature refused: " + v.reason() + " (" + v.detail()
          + ")");
      return false;
    }
    st.size = Math.max(st.size, size);
    broadcast(store.at(size).orElseThrow());
    return false;
  }

  private RoundLog roundLog(long size) {
    return rounds.computeIfAbsent(size, k -> new RoundLog());
  }

  /**
   * This server's cosigning round for the checkpoint of {@code size}, after the work queued so
   * far; empty for a size it neither signed nor sent to a witness, or one of more than
   * {@link #ROUNDS_KEPT} sizes ago (read on the service's thread; for tests).
   */
  Optional<CosigningRound> cosigningRound(long size) throws InterruptedException {
    return onThread(() -> Optional.ofNullable(rounds.get(size)).map(r -> new CosigningRound(size, r.signed, r.listed,
        r.asked, requestsOut == 0)));
  }

  /** Waits until the work queued so far is done (for tests). */
  void drain() throws InterruptedException {
    onThread(() -> null);
  }

  /** What {@code read} gives on the service's thread, after the work queued so far (for tests). */
  private <T> T onThread(java.util.function.Supplier<T> read) throws InterruptedException {
    java.util.concurrent.CompletableFuture<T> done = new java.util.concurrent.CompletableFuture<>();
    run(() -> done.complete(read.get()));
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("checkpoint work did not finish in 30 s", e);
    }
  }

  /**
   * Stops the thread after the task at hand (queued work is dropped, delayed work cancelled
   * without waiting for it to come due; a stuck task is interrupted after 5 s), then destroys the
   * note key it signed with. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    io.medledger.internal.node.Shutdown.within(exec, 5);
    try {
      store.flush(); // what a scheduled flush did not reach
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "writing merged checkpoints on close failed", e);
    }
    // a task still running past the wait fails to sign, and its failure is logged
    noteSigner.ifPresent(NoteSigner::destroy);
  }

  /** This server's note signer, on federation servers (tests look at its destruction). */
  Optional<NoteSigner> noteSigner() {
    return noteSigner;
  }
}

package io.medledger.node;

import io.medledger.access.Participant;
import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorEvent;
import io.medledger.anchor.AnchorException;
import io.medledger.anchor.AnchorJournal;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorRecord;
import io.medledger.anchor.AnchorStatus;
import io.medledger.anchor.AnchorTurn;
import io.medledger.anchor.Anchorer;
import io.medledger.anchor.BitcoinCoreBackend;
import io.medledger.anchor.LedgerAnchors;
import io.medledger.anchor.WalletTransactionFactory;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.BitcoinRpcClient;
import io.medledger.anchor.bitcoin.BitcoinRpcException;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.chain.Anchor;
import io.medledger.chain.Ledger;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The anchoring service of one node (the {@code anchoring} section of its configuration).
 *
 * <p>On a federation server with the anchoring wallet's key, it runs the {@link Anchorer} when the
 * ledger says it is this server's turn ({@link AnchorTurn}): it adopts an anchoring transaction
 * another server left in flight (found through the wallet's unspent change), plans an anchor of the
 * tip when the policy says one is due, sends, bumps and follows it with the anchorer, and records a
 * final anchor on the ledger as an {@link Anchor} entry. Out of turn it sends nothing.
 *
 * <p>On every node it completes receipts: the Bitcoin part of a recorded anchor is fetched from
 * the Bitcoin node, checked against the node's headers, and kept in {@code data/anchors/bitcoin}
 * (checked again when read back from there).
 *
 * <p>Every answer of the Bitcoin node is bounded and checked by the RPC client and the backend;
 * transactions that do not carry a commitment of this ledger are ignored. Thread-safe: one
 * scheduler thread runs the anchorer; receipts may be asked from any thread.
 */
final class AnchoringService implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AnchoringService.class.getName());
  /** Sub-directory of {@code data/anchors} with the checked Bitcoin part of each recorded anchor. */
  static final String BITCOIN = "bitcoin";
  /** Most ledger heights searched for the commitment of a transaction found in the wallet. */
  private static final int MAX_SEARCH = 100_000;
  /** Most receipt requests waiting for the receipt thread. */
  static final int MAX_QUEUED_RECEIPTS = 256;
  /** Most proofs of recorded anchors that fail in one poll (each asked the Bitcoin node). */
  static final int PROOF_FAILURES_PER_POLL = 4;
  /** Most recorded anchors covering an entry that a receipt request tries. */
  static final int RECEIPT_CANDIDATES = 16;
  /** Longest wait before a recorded anchor whose transaction could not be proven is tried again. */
  static final long MAX_PROOF_WAIT_MILLIS = 60_000;
  /** Most recorded anchors remembered as not proven yet. */
  private static final int MAX_UNPROVEN = 4096;

  /** The anchoring wallet's key, opened from its file on a federation server; destroyed on close. */
  private final BitcoinPrivateKey walletKey;
  private final Node node;
  private final Ledger ledger;
  private final LedgerAnchorView view;
  private final AnchoringConfig config;
  private final Ed25519PrivateKey signer;
  private final Clock clock;
  private final BitcoinRpcClient rpc;
  private final Anchorer anchorer;
  private final BitcoinCoreBackend backend;
  /** The checked Bitcoin parts of recorded anchors: the files of {@code data/anchors/bitcoin}, the most recently used in memory. */
  private final BitcoinPartCache parts;
  /**
   * The highest height covered by a recorded anchor whose transaction this node's Bitcoin node
   * proves, and the time of the block that recorded it (-1 before the first): the ledger's rules
   * cannot check an anchor entry's transaction, so only these count as anchored here.
   */
  private volatile long provenHeight = -1;
  private volatile long provenMillis = -1;
  /** Recorded anchors not proven yet, by entry id: when to try again, and the wait after that. */
  private final Map<Digest, long[]> unproven = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Digest, long[]> e) {
          return size() > MAX_UNPROVEN;
        }
      });
  private final ScheduledExecutorService scheduler;
  /** Receipt requests that may wait on the Bitcoin node: one thread, a bounded queue, off the transport's threads. */
  private final java.util.concurrent.ThreadPoolExecutor receipts;
  private volatile CompletableFuture<Finality> recording;
  private volatile boolean holding;
  /** Longest wait between polls while the Bitcoin node cannot be reached. */
  static final long MAX_BACKOFF_MILLIS = 30_000;
  /** While the Bitcoin node is unreachable: the current wait, and when the next poll may ask it (scheduler thread only). */
  private long backoffMillis;
  private long retryAtNanos;
  private volatile boolean unreachable;
  /** Polls finished, each having asked the Bitcoin node or found it unreachable (tests wait on it). */
  private final java.util.concurrent.atomic.AtomicLong polls = new java.util.concurrent.atomic.AtomicLong();
  /** The chain the Bitcoin node last reported, or null before the first answer. */
  private volatile String reportedChain;
  /** When {@link #reportedChain} was asked (System.nanoTime). */
  private volatile long chainAskedAt;

  AnchoringService(Node node, LedgerAnchorView view, AnchoringConfig config, Ed25519PrivateKey signer,
      AnchorJournal journal, Path anchorsDirectory, Clock clock) {
    this.node = node;
    this.ledger = node.ledger();
    this.view = view;
    this.config = config;
    this.signer = signer;
    this.clock = clock;
    this.rpc = config.client();
    this.parts = new BitcoinPartCache(anchorsDirectory.resolve(BITCOIN), BitcoinPartCache.MAX_HELD);
    if (config.walletKeyFile().isPresent() && node.role() == ServerRole.FEDERATION) {
      BitcoinPrivateKey key = walletKey(config.walletKeyFile().get(), config.network());
      this.walletKey = key;
      Address address = Address.fromScript(key.publicKey().p2wpkhScript(), config.network());
      this.backend = new BitcoinCoreBackend(rpc, address, config.fallbackFeeRate());
      try {
        this.anchorer = new Anchorer(config.policy(), backend, new WalletTransactionFactory(key, address, backend),
            journal, clock);
      } catch (io.medledger.codec.MalformedEncodingException e) { // a journal file or index cut short, zero-filled or altered
        key.destroy();
        throw new NodeException(NodeException.Reason.DATA_DIRECTORY, e.getMessage() + "; move that file out of "
            + anchorsDirectory + " and start again: an anchor not finished is planned again, or its transaction in"
            + " flight taken over from the anchoring wallet; a missing finished/heights.idx is rebuilt from finished/", e);
      }
    } else {
      this.walletKey = null;
      this.backend = null;
      this.anchorer = null;
    }
    String tag = node.ledgerKey().toHex().substring(0, 8);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "medledger-anchoring-" + tag));
    this.receipts = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new java.util.concurrent.ArrayBlockingQueue<>(MAX_QUEUED_RECEIPTS), r -> daemon(r, "medledger-receipts-" + tag));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Answers a receipt request on the receipt thread (it may wait on the Bitcoin node); beyond
   * {@link #MAX_QUEUED_RECEIPTS} waiting requests the client is told to retry. A request still
   * waiting when the service closes, or made after, is answered as refused with cause CLOSED.
   */
  CompletableFuture<byte[]> serve(java.util.function.Supplier<byte[]> answer) {
    ReceiptTask t = new ReceiptTask(answer);
    try {
      receipts.execute(t);
      return t.future;
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.completedFuture(receipts.isShutdown() ? closing()
          : io.medledger.internal.node.ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(),
              "too many receipt requests waiting; retry later"));
    }
  }

  /** The answer to a receipt request that {@link #close} kept from running. */
  private static byte[] closing() {
    return io.medledger.internal.node.ClientWire.refused(SubmissionRefusedException.Cause.CLOSED.ordinal(),
        "the node shut down; ask another node for the receipt");
  }

  /** A receipt request on the receipt thread, with the future of its answer. */
  private static final class ReceiptTask implements Runnable {
    final java.util.function.Supplier<byte[]> answer;
    final CompletableFuture<byte[]> future = new CompletableFuture<>();

    ReceiptTask(java.util.function.Supplier<byte[]> answer) {
      this.answer = answer;
    }

    @Override
    public void run() {
      try {
        future.complete(answer.get());
      } catch (RuntimeException e) {
        future.completeExceptionally(e);
      }
    }
  }

  /** Starts polling the Bitcoin node. */
  void start() {
    long every = config.pollInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::tick, 0, every, TimeUnit.MILLISECONDS);
  }

  private static BitcoinPrivateKey walletKey(Path file, Network network) {
    char[] wif = AnchoringConfig.secretLine(file, "anchoring.wallet_key_file");
    try {
      BitcoinPrivateKey k = BitcoinPrivateKey.fromWif(wif);
      if (!k.network().isCompatibleWith(network)) {
        k.destroy();
        throw new NodeException(NodeException.Reason.CONFIG, "field 'anchoring.wallet_key_file': the key is for "
            + k.network() + ", not " + network);
      }
      BitcoinPrivateKey on = k.onNetwork(network);
      if (on != k) {
        k.destroy(); // the copy for the other network is the one kept
      }
      return on;
    } catch (io.medledger.codec.MalformedEncodingException | IllegalArgumentException e) {
      throw new NodeException(NodeException.Reason.CONFIG, "field 'anchoring.wallet_key_file': not a WIF key");
    } finally {
      java.util.Arrays.fill(wif, '\0');
    }
  }

  // ------------------------------------------------------------------ the anchoring turn

  /** Whether this server held the anchoring turn at its last poll. */
  boolean holdsTurn() {
    return holding;
  }

  /** The anchorer, on a federation server with the wallet's key. */
  Optional<Anchorer> anchorer() {
    return Optional.ofNullable(anchorer);
  }

  /**
   * One poll: read the ledger, and if it is this server's turn, advance the anchor in flight. While
   * the Bitcoin node cannot be reached (refused, timed out, or no valid credentials yet, as before
   * the node wrote its cookie), polls back off up to {@link #MAX_BACKOFF_MILLIS} and the outage is
   * logged in one line when it starts and one when it ends.
   */
  void tick() {
    if (unreachable && System.nanoTime() - retryAtNanos < 0) {
      return;
    }
    try {
      view.refresh();
      boolean onChain = onConfiguredChain(true);
      answered();
      if (!onChain) {
        return;
      }
      proveRecorded();
      if (anchorer == null) {
        return;
      }
      supersedeCovered(); // bookkeeping of the local journal, in turn or not
      holding = isHolder();
      if (!holding) {
        return;
      }
      adoptFromWallet();
      planIfDue();
      for (AnchorEvent e : anchorer.tick()) {
        LOG.log(e instanceof AnchorEvent.Failed ? Level.WARNING : Level.INFO, () -> "anchor of height "
            + e.anchor().commitment().height() + ": " + e.getClass().getSimpleName() + " " + e.anchor().status()
            + e.anchor().latest().map(t -> " " + t).orElse("")
            + (e instanceof AnchorEvent.Failed f ? " (" + f.reason() + ")" : ""));
      }
      recordFinal();
    } catch (RuntimeException e) {
      Optional<BitcoinRpcException> down = outage(e);
      if (down.isPresent()) {
        backoffMillis = backoffMillis == 0 ? config.pollInterval().toMillis()
            : Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
        retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
        if (!unreachable) {
          unreachable = true;
          LOG.log(Level.WARNING, () -> "anchoring: cannot reach the Bitcoin node at " + config.rpcUrl() + " ("
              + down.get().getMessage() + "); retrying with backoff up to " + MAX_BACKOFF_MILLIS / 1000 + " s");
        }
        return;
      }
      LOG.log(Level.WARNING, "anchoring poll failed; the next poll retries", e);
    } finally {
      polls.incrementAndGet();
    }
  }

  /** Polls finished so far, not counting those skipped while backing off (tests). */
  long polls() {
    return polls.get();
  }

  /**
   * Checks that the Bitcoin node reports the configured network's chain, asking it again once a
   * poll interval has passed. On another chain nothing is anchored and no receipt is completed:
   * the first answer of each wrong chain is logged once as an error.
   *
   * @throws AnchorException if the Bitcoin node reports another chain
   */
  private void requireConfiguredChain() {
    if (!onConfiguredChain(false)) {
      throw new AnchorException("the Bitcoin node is on chain " + printable(reportedChain) + ", not " + config.chainName());
    }
  }

  /**
   * Whether the Bitcoin node reports the configured network's chain; see {@link
   * #requireConfiguredChain}. With {@code ask} it asks the node even if it did within the interval.
   */
  private boolean onConfiguredChain(boolean ask) {
    long now = System.nanoTime();
    String chain = reportedChain;
    if (ask || chain == null || now - chainAskedAt >= config.pollInterval().toNanos()) {
      String was = chain;
      chain = rpc.getBlockchainInfo().chain();
      chainAskedAt = now;
      reportedChain = chain;
      String shown = printable(chain);
      if (!chain.equals(config.chainName()) && !chain.equals(was)) {
        LOG.log(Level.ERROR, () -> "anchoring: the Bitcoin node at " + config.rpcUrl() + " is on chain " + shown
            + ", but anchoring.network is " + config.chainName() + "; nothing is anchored and no receipt is completed"
            + " until they agree");
      } else if (chain.equals(config.chainName()) && was != null && !was.equals(chain)) {
        LOG.log(Level.INFO, () -> "anchoring: the Bitcoin node at " + config.rpcUrl() + " is on chain " + shown + " again");
      }
    }
    return chain.equals(config.chainName());
  }

  /** A chain name as the log may show it: short lowercase letters and digits, else a placeholder. */
  private static String printable(String chain) {
    return chain.matches("[a-z0-9]{1,20}") ? "'" + chain + "'" : "(a name that is not a chain's)";
  }

  /** Ends an outage: the Bitcoin node answered. */
  private void answered() {
    if (unreachable) {
      unreachable = false;
      backoffMillis = 0;
      LOG.log(Level.INFO, () -> "anchoring: the Bitcoin node at " + config.rpcUrl() + " answers again");
    }
  }

  /** The RPC failure behind {@code e} if it means the Bitcoin node cannot be reached or let in. */
  private static Optional<BitcoinRpcException> outage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BitcoinRpcException r && (r.kind() == BitcoinRpcException.Kind.CONNECTION
          || r.kind() == BitcoinRpcException.Kind.TIMEOUT || r.kind() == BitcoinRpcException.Kind.UNAUTHORIZED)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** Whether the last poll found the Bitcoin node unreachable (tests). */
  boolean unreachable() {
    return unreachable;
  }

  private boolean isHolder() {
    io.medledger.chain.Membership m = ledger.membership();
    List<Ed25519PublicKey> servers = m.federationServers().stream()
        .filter(Participant::active).filter(p -> !m.isSuspended(p.id())).map(Participant::publicKey).toList();
    if (!servers.contains(node.ledgerKey())) {
      return false;
    }
    Ed25519PublicKey turn = AnchorTurn.holder(servers, view.turns(), view.sinceMillis(), clock.millis(),
        config.takeoverAfter());
    return turn.equals(node.ledgerKey());
  }

  /**
   * Proves recorded anchors above {@link #provenHeight} against the Bitcoin node (of each
   * submitter's {@link LedgerAnchorView#PROOF_WINDOW} newest entries): each submitter's newest first, the submitters in turns, so that a server recording entries of transactions that
   * do not exist, newer than a genuine one, delays its proof by one turn. Stops after {@link
   * #PROOF_FAILURES_PER_POLL} failures; one that failed is tried again after a wait that doubles.
   */
  private void proveRecorded() {
    List<LedgerAnchorView.Recorded> newestFirst = view.newestAbove(provenHeight);
    int failures = 0;
    for (LedgerAnchorView.Recorded r : LedgerAnchorView.inTurns(newestFirst)) {
      if (failures >= PROOF_FAILURES_PER_POLL) {
        break;
      }
      if (r.toHeight() <= provenHeight) {
        continue;
      }
      boolean asks = !parts.holds(r.commitment()) && proofDue(r);
      if (bitcoinPart(r).isPresent()) {
        provenHeight = r.toHeight();
        provenMillis = r.blockMillis();
      } else if (asks) {
        failures++;
      }
    }
  }

  /** Whether recorded anchor {@code r} may be proven now (never tried, or its wait is over). */
  private boolean proofDue(LedgerAnchorView.Recorded r) {
    long[] wait = unproven.get(r.id());
    return wait == null || wait[0] <= clock.millis();
  }

  /** Notes that {@code r} could not be proven: it waits, twice as long as the last time. */
  private void notProven(LedgerAnchorView.Recorded r) {
    long[] was = unproven.get(r.id());
    long wait = was == null ? config.pollInterval().toMillis() : Math.min(MAX_PROOF_WAIT_MILLIS, 2 * was[1]);
    unproven.put(r.id(), new long[] {clock.millis() + wait, wait});
  }

  /** The highest height a recorded anchor proven by this node's Bitcoin node covers, or -1 (tests). */
  long provenHeight() {
    return provenHeight;
  }

  /** Gives up anchors in flight that a recorded anchor covers, or that are not of this ledger. */
  private void supersedeCovered() {
    long anchored = provenHeight;
    for (AnchorRecord r : anchorer.inFlight()) {
      long h = r.commitment().height();
      if (h <= anchored) {
        anchorer.supersede(r.id(), "the ledger records an anchor up to height " + anchored);
      } else if (h > ledger.height() || !LedgerAnchors.commitment(ledger.header(h)).equals(r.commitment())) {
        anchorer.supersede(r.id(), "not a commitment of this ledger");
      }
    }
  }

  /**
   * Takes over an anchoring transaction that the wallet shows in flight and this server's journal
   * does not know (another server sent it before its turn ended): it is followed and bumped,
   * never spent around, and this server's own anchors in flight are given up for it.
   */
  private void adoptFromWallet() {
    long anchored = provenHeight;
    for (BitcoinCoreBackend.WalletAnchor w : backend.walletAnchors()) {
      if (view.recentlyRecords(w.commitment(), w.transaction().txid()) || known(w.transaction().txid())) {
        continue;
      }
      Optional<Long> h = view.heightOf(w.commitment(), anchored, MAX_SEARCH);
      if (h.isPresent() && view.records(h.get(), w.commitment(), w.transaction().txid())) {
        continue;
      }
      if (h.isEmpty()) {
        LOG.log(Level.WARNING, () -> "the anchoring wallet shows transaction " + w.transaction()
            + " whose commitment is not of this ledger above height " + anchored + "; ignored");
        continue;
      }
      AnchorCommitment c = LedgerAnchors.commitment(ledger.header(h.get()));
      for (AnchorRecord r : anchorer.inFlight()) {
        if (!r.id().equals(c.digest())) {
          anchorer.supersede(r.id(), "replaced by transaction " + w.transaction().txid().reversed().toHex()
              + " found in the wallet");
        }
      }
      anchorer.adopt(c, w.transaction());
      LOG.log(Level.INFO, () -> "took over anchor " + c.height() + " in flight: " + w.transaction());
    }
  }

  private boolean known(Digest txid) {
    for (AnchorRecord r : anchorer.anchors()) {
      for (AnchorRecord.Attempt a : r.attempts()) {
        if (a.transaction().txid().equals(txid)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Plans an anchor of the tip if none is in flight or waiting to be recorded and the policy says one is due. */
  private void planIfDue() {
    if (!anchorer.inFlight().isEmpty() || unrecordedFinal().isPresent()) {
      return;
    }
    long anchored = provenHeight;
    long current = view.lastSubstantiveHeight() > anchored ? ledger.height() : anchored;
    java.time.Instant last = provenMillis < 0 ? null : java.time.Instant.ofEpochMilli(provenMillis);
    if (config.policy().isDue(anchored, last, current, clock.instant())) {
      AnchorRecord r = anchorer.plan(LedgerAnchors.commitment(ledger.tip().orElseThrow()));
      LOG.log(Level.INFO, () -> "planned anchor of height " + r.commitment().height());
    }
  }

  private Optional<AnchorRecord> unrecordedFinal() {
    long anchored = provenHeight;
    return anchorer.anchors().stream().filter(r -> r.status() == AnchorStatus.FINAL)
        .filter(r -> r.commitment().height() > anchored && !view.records(r.commitment().height(), r.id(), r.confirmation().txid())).findFirst();
  }

  /** Submits the anchor entry of a final anchor that the ledger does not record yet. */
  private void recordFinal() {
    Optional<AnchorRecord> f = unrecordedFinal();
    CompletableFuture<Finality> pending = recording;
    if (f.isEmpty() || (pending != null && !pending.isDone())) {
      return;
    }
    AnchorRecord r = f.get();
    long from = provenHeight + 1;
    // the same record signs the same entry, so a retry after a restart is the same submission
    Anchor entry = LedgerAnchors.anchorEntry(r, Math.min(from, r.commitment().height()), signer,
        r.updatedAt().toEpochMilli());
    rememberPart(r);
    recording = node.submit(entry).whenComplete((fin, t) -> {
      if (t != null) {
        LOG.log(Level.WARNING, "recording anchor " + r.commitment().height() + " failed; the next poll retries", t);
      } else {
        LOG.log(Level.INFO, () -> "anchor " + r.commitment().height() + " recorded at height " + fin.height());
      }
    });
  }

  /** Completes and keeps the Bitcoin part of a final anchor of this server, so receipts need no RPC later. */
  private void rememberPart(AnchorRecord r) {
    try {
      AnchorRecord.Confirmation c = r.confirmation();
      firstPending(r.commitment().height()).ifPresent(p -> parts.keep(r.id(),
          completeChecked(p, c.txid(), c.blockHash(), c.height())));
    } catch (RuntimeException e) {
      LOG.log(Level.INFO, () -> "the Bitcoin part of anchor " + r.commitment().height() + " will be fetched later: " + e);
    }
  }

  // ------------------------------------------------------------------ receipts

  /**
   * The receipt of entry {@code entryId} under the first of the recorded anchors covering it (at
   * most {@link #RECEIPT_CANDIDATES}, in turns of their submitters: {@link LedgerAnchorView#covering})
   * whose transaction the Bitcoin node (or this node's cache) proves: complete; else pending under
   * the first of them. Empty if the entry is not
   * on this ledger or no recorded anchor covers it yet.
   */
  static Optional<AnchorReceipt> receipt(Ledger ledger, LedgerAnchorView view, Digest entryId,
      Function<LedgerAnchorView.Recorded, Optional<AnchorReceipt.BitcoinPart>> bitcoin) {
    Optional<io.medledger.chain.EntryLocation> at = ledger.locate(entryId);
    if (at.isEmpty()) {
      return Optional.empty();
    }
    view.refresh();
    List<LedgerAnchorView.Recorded> covering = view.covering(at.get().height(), RECEIPT_CANDIDATES);
    for (LedgerAnchorView.Recorded a : covering) {
      Optional<AnchorReceipt.BitcoinPart> part = bitcoin.apply(a);
      if (part.isPresent()) {
        return LedgerAnchors.pendingReceipt(ledger, entryId, a.toHeight()).map(p -> p.complete(part.get()));
      }
    }
    return covering.isEmpty() ? Optional.empty()
        : LedgerAnchors.pendingReceipt(ledger, entryId, covering.get(0).toHeight());
  }

  /**
   * The checked Bitcoin part of a recorded anchor, from memory, the cache directory or the Bitcoin
   * node (only once its block has the policy's confirmations, as this node's own anchors need
   * before they are recorded); empty without asking while an earlier attempt's wait lasts ({@link
   * #notProven}).
   */
  Optional<AnchorReceipt.BitcoinPart> bitcoinPart(LedgerAnchorView.Recorded a) {
    Digest c = a.commitment();
    Optional<AnchorReceipt.BitcoinPart> known = parts.held(c);
    if (known.isPresent()) {
      return known;
    }
    if (!proofDue(a)) {
      return Optional.empty();
    }
    Optional<AnchorReceipt.BitcoinPart> found;
    try {
      found = fetchPart(a);
    } catch (BitcoinRpcException | AnchorException e) {
      return Optional.empty(); // unreachable or timed out (fetchPart throws nothing else): asked again next time, no longer wait
    }
    if (found.isPresent()) {
      unproven.remove(a.id());
    } else {
      notProven(a);
    }
    return found;
  }

  private Optional<AnchorReceipt.BitcoinPart> fetchPart(LedgerAnchorView.Recorded a) {
    Digest c = a.commitment();
    Optional<AnchorReceipt.BitcoinPart> cached = parts.read(c, a.txid()).filter(b -> provenByNode(a, b));
    if (cached.isPresent()) {
      parts.hold(c, cached.get());
      return cached;
    }
    try {
      BitcoinRpcClient.RawTransaction t = rpc.getRawTransaction(a.txid());
      if (t.blockHash().isEmpty() || !t.txid().equals(a.txid())) {
        return Optional.empty();
      }
      BitcoinRpcClient.BlockHeaderInfo block = rpc.getBlockHeaderInfo(t.blockHash().get());
      if (block.confirmations() < config.policy().confirmationsRequired()) {
        LOG.log(Level.DEBUG, () -> "anchor " + a.toHeight() + " has " + block.confirmations()
            + " confirmations of " + config.policy().confirmationsRequired() + " yet");
        return Optional.empty(); // no deeper than this node's own anchors must be before they count
      }
      long height = block.height();
      Optional<AnchorReceipt> p = firstPending(a.toHeight());
      if (p.isEmpty()) {
        return Optional.empty();
      }
      AnchorReceipt done = completeChecked(p.get(), a.txid(), t.blockHash().get(), height);
      parts.keep(c, done);
      return done.bitcoin();
    } catch (BitcoinRpcException | AnchorException e) {
      if (outage(e).isPresent()) {
        throw e; // the Bitcoin node did not answer: no verdict on the anchor
      }
      LOG.log(Level.INFO, () -> "no Bitcoin part for anchor " + a.toHeight() + " yet: " + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Whether the Bitcoin part {@code part} read from the cache completes a receipt that the Bitcoin
   * node's headers prove, as when it was kept: the file is on disk and is checked like any input.
   */
  private boolean provenByNode(LedgerAnchorView.Recorded a, AnchorReceipt.BitcoinPart part) {
    try {
      Optional<AnchorReceipt> p = firstPending(a.toHeight());
      if (p.isEmpty()) {
        return false;
      }
      requireConfiguredChain();
      io.medledger.anchor.ReceiptVerdict v = p.get().complete(part).verify(rpc);
      if (!(v instanceof io.medledger.anchor.ReceiptVerdict.Anchored)) {
        LOG.log(Level.WARNING, () -> "ignoring the cached anchor " + parts.file(a.commitment())
            + ", which the Bitcoin node does not prove: " + v);
        return false;
      }
      return true;
    } catch (BitcoinRpcException | AnchorException e) {
      LOG.log(Level.INFO, () -> "cannot check the cached anchor " + a.toHeight() + " yet: " + e.getMessage());
      return false;
    }
  }

  /** A pending receipt under the anchor of {@code height} for the last entry at or below it. */
  private Optional<AnchorReceipt> firstPending(long height) {
    for (long x = height; x >= 0; x--) {
      List<io.medledger.chain.Entry> es = ledger.block(x).block().entries();
      if (!es.isEmpty()) {
        return LedgerAnchors.pendingReceipt(ledger, es.get(0).id(), height);
      }
    }
    return Optional.empty();
  }

  /** Completes {@code pending} from the Bitcoin node and checks it against the node's headers. */
  private AnchorReceipt completeChecked(AnchorReceipt pending, Digest txid, Digest blockHash, long height) {
    requireConfiguredChain();
    AnchorReceipt done = BitcoinCoreBackend.complete(rpc, pending,
        new AnchorRecord.Confirmation(txid, blockHash, height, 1), config.chainName());
    io.medledger.anchor.ReceiptVerdict v = done.verify(rpc);
    if (!(v instanceof io.medledger.anchor.ReceiptVerdict.Anchored)) {
      throw new AnchorException("the Bitcoin node's proof of " + txid.reversed().toHex() + " does not hold: " + v);
    }
    return done;
  }

  /** How many checked Bitcoin parts this service holds in memory (tests). */
  int partsHeld() {
    return parts.heldCount();
  }

  @Override
  public void close() {
    for (Runnable queued : receipts.shutdownNow()) {
      ((ReceiptTask) queued).future.complete(closing()); // else its client waits for an answer that never comes
    }
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (walletKey != null) {
      walletKey.destroy(); // a turn still running past the wait fails to sign, and is logged
    }
  }

  /** Whether the wallet key this service opened was destroyed (tests). */
  boolean walletKeyDestroyed() {
    return walletKey != null && walletKey.isDestroyed();
  }
}

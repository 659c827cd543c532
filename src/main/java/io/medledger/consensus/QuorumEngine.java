package io.medledger.consensus;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.ConsensusMessage.BlockRequest;
import io.medledger.consensus.ConsensusMessage.BlockResponse;
import io.medledger.consensus.ConsensusMessage.EntryBatch;
import io.medledger.consensus.ConsensusMessage.Proposal;
import io.medledger.consensus.ConsensusMessage.Status;
import io.medledger.consensus.ConsensusMessage.Timeout;
import io.medledger.consensus.ConsensusMessage.Vote;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.consensus.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The two-phase locking quorum engine behind {@link RotatingAuditProtocol} and
 * {@link BftProtocol}: proposers (bookkeepers) rotate over (height, round); voters prevote a
 * valid proposal they are not locked against, precommit (and lock) on a prevote quorum, and a
 * precommit quorum is the finality certificate. Rounds change on timeout quorums carrying each
 * voter's highest proof of lock. See docs/consensus.md for the safety and liveness arguments.
 * Not thread-safe.
 */
final class QuorumEngine<B> implements ConsensusProtocol {
  /** Who proposes and who votes. */
  enum Roles {
    /** Federation servers propose, audit servers vote. */
    AUDIT,
    /** Federation servers both propose and vote. */
    BFT
  }

  private static final int SEEN_LIMIT = 8192;
  /** Messages are kept only for rounds up to the current round plus this window (K). */
  static final int ROUND_WINDOW = QuorumProtocol.ROUND_WINDOW;
  /** Per signer, at most this many messages of height+1 wait (four kinds per round of the window). */
  static final int FUTURE_PER_SIGNER = 4 * (ROUND_WINDOW + 1);
  private static final byte[] NO_SIG = new byte[64];

  private record Prop(Proposal msg, Object block, Digest hash) {}

  private record EqKey(Ed25519PublicKey signer, StatementKind kind, long height, int round) {}

  private record Signed(Statement st, byte[] sig) {}

  private record Pending(byte[] entry, long arrival, boolean local, Ed25519PublicKey from) {}

  private final String name;
  private final Roles roles;
  private final ConsensusApp<B> app;
  private final ConsensusContext ctx;
  private final ConsensusConfig cfg;
  private final Ed25519PrivateKey key;
  private final Ed25519PublicKey me;
  private final Digest chainId;
  private final SignatureVerifier verifier;

  private List<Action> out = new ArrayList<>();
  private boolean started;
  private long timerSeq;
  private final Map<String, TimerId> timers = new HashMap<>();

  private long height;
  private int round;
  private int roundBase;
  private Membership membership;
  private List<Ed25519PublicKey> proposers;
  private List<Ed25519PublicKey> voters;
  private int myVoter = -1;
  private List<Ed25519PublicKey> nodes;
  private int myIndex = -1;
  private Status lastStatus;
  private int quorum;
  private int faulty;
  private final TreeMap<Integer, Prop> proposals = new TreeMap<>();
  private final Map<Digest, B> blocks = new HashMap<>();
  private final Map<Digest, byte[]> blockBytes = new HashMap<>();
  private final Map<Digest, ValidationVerdict> verdicts = new HashMap<>();
  private final TreeMap<Integer, Map<Digest, TreeMap<Integer, byte[]>>> prevotes = new TreeMap<>();
  private final TreeMap<Integer, Map<Digest, TreeMap<Integer, byte[]>>> precommits = new TreeMap<>();
  private final Set<Long> votedPrevote = new HashSet<>();
  private final Set<Long> votedPrecommit = new HashSet<>();
  private final TreeMap<Integer, Integer> timeoutRounds = new TreeMap<>();
  private final Set<Integer> rejectedRounds = new HashSet<>();
  private final Set<Integer> untimelyReported = new HashSet<>();
  private final Map<Long, Integer> leftAtRound = new HashMap<>();
  private boolean stalledReported;

  private int lockedRound = -1;
  private Digest lockedHash;
  private int validRound = -1;
  private Digest validHash;
  private Certificate validCert;
  private int lastPrevoteRound = -1;
  private int lastPrecommitRound = -1;
  private int lastTimeoutRound = -1;
  private int lastProposalRound = -1;
  private Vote myPrevote;
  private Vote myPrecommit;
  private Timeout myTimeout;
  private Proposal myProposal;

  private final LinkedHashMap<Digest, Pending> pool = new LinkedHashMap<>();
  private final LinkedHashMap<Digest, Boolean> recentlyCommitted = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Digest, Boolean> e) {
      return size() > Math.max(SEEN_LIMIT, 4 * cfg.maxBlockEntries());
    }
  };
  private long poolBytes;
  private final List<byte[]> gossipOut = new ArrayList<>();
  private final ArrayList<ConsensusMessage> future = new ArrayList<>();
  private int[] futureBySigner = new int[0];
  private final Map<Ed25519PublicKey, Integer> pendingBySender = new HashMap<>();
  private CatchUpPeers catchUp;
  private final LinkedHashMap<Digest, Boolean> seen = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Digest, Boolean> e) {
      return size() > SEEN_LIMIT;
    }
  };
  private final Map<EqKey, Signed> firstSeen = new HashMap<>();
  private final Set<EqKey> reported = new HashSet<>();

  QuorumEngine(String name, Roles roles, ConsensusApp<B> app, ConsensusContext ctx, ConsensusConfig cfg) {
    this.name = name;
    this.roles = roles;
    this.app = app;
    this.ctx = ctx;
    this.cfg = cfg;
    this.key = ctx.key();
    this.me = key.publicKey();
    this.chainId = app.chainId();
    this.verifier = ctx.verifier();
  }

  static Ed25519PublicKey proposerOf(Membership m, long height, int round) {
    List<Ed25519PublicKey> p = m.federation();
    return p.get((int) Math.floorMod(height + round, (long) p.size()));
  }

  List<Ed25519PublicKey> votersOf(Membership m) {
    return roles == Roles.AUDIT ? m.auditors() : m.federation();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long height() {
    return height;
  }

  @Override
  public int round() {
    return round;
  }

  @Override
  public List<Action> handle(Event event) {
    out = new ArrayList<>();
    if (event instanceof Event.Start) {
      onStart();
    } else if (!started) {
      throw new IllegalStateException("the first event must be Start");
    } else if (event instanceof Event.EntrySubmitted s) {
      if (addPending(s.raw(), true, null)) {
        gossipOut.add(s.raw());
        if (gossipOut.size() >= 256) {
          flushGossip();
        } else if (gossipOut.size() == 1) {
          setTimer("gossip", height, round, Duration.ofMillis(Math.max(1, cfg.maxBatchDelay().toMillis() / 4)));
        }
      }
    } else if (event instanceof Event.MessageReceived m) {
      onBytes(m.bytes());
    } else if (event instanceof Event.TimerFired t) {
      onTimer(t.timer());
    } else if (event instanceof Event.BlockDelivered d) {
      applyCertified(d.block(), d.certificate());
    }
    progress();
    List<Action> result = out;
    out = new ArrayList<>();
    return result;
  }

  /** Per statement or vote kept: its signature, statement, key and map overhead. */
  private static final int STATEMENT_BYTES = 256;

  @Override
  public long retainedBytes() {
    long bytes = 0;
    for (byte[] b : blockBytes.values()) {
      bytes += b.length;
    }
    for (ConsensusMessage m : future) {
      bytes += STATEMENT_BYTES + (m instanceof Proposal p ? p.blockRaw().length : 0)
          + (m instanceof Timeout t ? t.lockedBlockRaw().length : 0);
    }
    bytes += (long) STATEMENT_BYTES * (votedPrevote.size() + votedPrecommit.size() + proposals.size()
        + firstSeen.size() + timeoutRounds.size());
    return bytes;
  }

  // ---------------------------------------------------------------- lifecycle

  private long now() {
    return ctx.clock().millis();
  }

  private void onStart() {
    started = true;
    enterHeight(app.committedHeight() + 1, false);
    Optional<byte[]> saved = ctx.safetyStore().load();
    if (saved.isPresent()) {
      try {
        restore(saved.get());
      } catch (ClassCastException | IllegalArgumentException e) {
        throw new IllegalStateException("refusing to start: the saved consensus safety state is unreadable ("
            + e.getMessage() + "); restore it from a backup, never delete it, or this node may vote twice", e);
      }
    }
    roundBase = round;
    enterRound(round);
    out.add(new Action.Broadcast(status()));
    retransmitOwn();
    setTimer("tick", 0, 0, jittered(cfg.retransmitInterval()));
  }

  private void enterHeight(long h, boolean replay) {
    height = h;
    round = 0;
    roundBase = 0;
    membership = app.membership(h);
    proposers = membership.federation();
    voters = votersOf(membership);
    myVoter = voters.indexOf(me);
    List<Ed25519PublicKey> before = nodes;
    nodes = membership.nodes();
    myIndex = nodes.indexOf(me);
    if (catchUp == null || !nodes.equals(before)) {
      catchUp = new CatchUpPeers(nodes.size(), myIndex);
    }
    quorum = Membership.quorum(voters.size());
    faulty = Membership.maxFaulty(voters.size());
    proposals.clear();
    blocks.clear();
    blockBytes.clear();
    verdicts.clear();
    prevotes.clear();
    precommits.clear();
    votedPrevote.clear();
    votedPrecommit.clear();
    timeoutRounds.clear();
    rejectedRounds.clear();
    untimelyReported.clear();
    leftAtRound.keySet().removeIf(k -> k < h - 2);
    stalledReported = false;
    lockedRound = -1;
    lockedHash = null;
    validRound = -1;
    validHash = null;
    validCert = null;
    lastPrevoteRound = -1;
    lastPrecommitRound = -1;
    lastTimeoutRound = -1;
    lastProposalRound = -1;
    myPrevote = null;
    myPrecommit = null;
    myTimeout = null;
    myProposal = null;
    firstSeen.keySet().removeIf(k -> k.height() < h - 2);
    reported.removeIf(k -> k.height() < h - 2);
    List<ConsensusMessage> buffered = new ArrayList<>(future);
    future.clear();
    futureBySigner = new int[nodes.size()];
    if (replay) {
      for (ConsensusMessage m : buffered) {
        onMessage(m);
      }
    }
  }

  private void enterRound(int r) {
    round = r;
    setTimer("round", height, r, roundTimeout(r));
  }

  private Duration roundTimeout(int r) {
    int exp = Math.min(Math.max(0, r - roundBase), cfg.maxBackoffExponent());
    return cfg.roundTimeout().multipliedBy(1L << exp);
  }

  /** A period between 75% and 125% of {@code d}, so that nodes do not announce in lockstep. */
  private Duration jittered(Duration d) {
    long ms = Math.max(1, d.toMillis());
    return Duration.ofMillis(ms * 3 / 4 + ctx.random().nextLong(ms / 2 + 1));
  }

  private void setTimer(String n, long h, int r, Duration d) {
    TimerId t = new TimerId(n, h, r, ++timerSeq);
    timers.put(n, t);
    out.add(new Action.SetTimer(t, d));
  }

  private void onTimer(TimerId t) {
    if (!t.equals(timers.get(t.name()))) {
      return;
    }
    timers.remove(t.name());
    switch (t.name()) {
      case "round" -> {
        if (t.height() == height && t.round() == round) {
          if (myVoter >= 0 && hasWork() && lastTimeoutRound < round) {
            sendTimeout(round);
          }
          setTimer("round", height, round, roundTimeout(round));
        }
      }
      case "gossip" -> flushGossip();
      case "tick" -> {
        requestSync();
        out.add(new Action.Broadcast(status()));
        retransmitOwn();
        regossip();
        setTimer("tick", 0, 0, jittered(cfg.retransmitInterval()));
      }
      default -> { }
    }
  }

  private boolean hasWork() {
    if (!proposals.isEmpty() || !prevotes.isEmpty() || !precommits.isEmpty() || !timeoutRounds.isEmpty()) {
      return true;
    }
    if (pool.isEmpty()) {
      return false;
    }
    long oldest = pool.values().iterator().next().arrival();
    return now() - oldest >= cfg.roundTimeout().toMillis();
  }

  private void retransmitOwn() {
    if (myProposal != null && myProposal.statement().round() == round) {
      out.add(new Action.Broadcast(myProposal));
    }
    if (myPrevote != null) {
      out.add(new Action.Broadcast(myPrevote));
    }
    if (myPrecommit != null) {
      out.add(new Action.Broadcast(myPrecommit));
    }
    if (myTimeout != null) {
      out.add(new Action.Broadcast(myTimeout));
    }
  }

  // ---------------------------------------------------------------- entries

  /** The share of the pending pool that entries gossiped by one peer may take. */
  private int perPeerPending() {
    return Math.max(1, cfg.maxPendingEntries() / Math.max(1, nodes.size()));
  }

  /** Adds an entry submitted locally ({@code from} null) or gossiped by peer {@code from}. */
  private boolean addPending(byte[] entry, boolean local, Ed25519PublicKey from) {
    if (pool.size() >= cfg.maxPendingEntries() || entry.length > cfg.maxBlockBytes()) {
      return false;
    }
    if (from != null && pendingBySender.getOrDefault(from, 0) >= perPeerPending()) {
      return false;
    }
    Digest d = Sha256.hash(entry);
    if (pool.containsKey(d) || recentlyCommitted.containsKey(d)) {
      return false;
    }
    pool.put(d, new Pending(entry, now(), local, from));
    poolBytes += entry.length;
    if (from != null) {
      pendingBySender.merge(from, 1, Integer::sum);
    }
    return true;
  }

  private void removePending(Digest d) {
    Pending p = pool.remove(d);
    if (p != null) {
      poolBytes -= p.entry().length;
      if (p.from() != null) {
        pendingBySender.computeIfPresent(p.from(), (k, c) -> c <= 1 ? null : c - 1);
      }
    }
  }

  private void flushGossip() {
    if (!gossipOut.isEmpty()) {
      out.add(new Action.Broadcast(EntryBatch.sign(new ArrayList<>(gossipOut), myIndex, key, chainId)));
      gossipOut.clear();
    }
  }

  private void regossip() {
    long limit = now() - cfg.retransmitInterval().toMillis();
    List<byte[]> again = new ArrayList<>();
    for (Pending p : pool.values()) {
      if (p.local() && p.arrival() <= limit) {
        again.add(p.entry());
        if (again.size() >= cfg.maxBlockEntries()) {
          break;
        }
      }
    }
    if (!again.isEmpty()) {
      out.add(new Action.Broadcast(EntryBatch.sign(again, myIndex, key, chainId)));
    }
  }

  // ---------------------------------------------------------------- messages

  private void onBytes(byte[] bytes) {
    // Status and block requests repeat verbatim and their effect depends on our state: never skip them.
    boolean repeatable = bytes.length > 0
        && (bytes[0] == ConsensusMessage.TAG_STATUS || bytes[0] == ConsensusMessage.TAG_BLOCK_REQUEST);
    Digest d = repeatable ? null : Sha256.hash(bytes);
    if (d != null && seen.containsKey(d)) {
      return;
    }
    ConsensusMessage m;
    try {
      m = ConsensusMessage.decode(bytes, cfg.maxMessageBytes());
    } catch (MalformedEncodingException e) {
      return;
    }
    // A message dropped only because of our height is not remembered: a retransmission may count later.
    if (onMessage(m) && d != null) {
      seen.put(d, Boolean.TRUE);
    }
  }

  private Status status() {
    if (lastStatus == null || lastStatus.committedHeight() != height - 1 || lastStatus.round() != round
        || lastStatus.sender() != myIndex) {
      lastStatus = Status.sign(height - 1, round, Math.max(0, myIndex), key, chainId);
    }
    return lastStatus;
  }

  private boolean bodySigned(ConsensusMessage m, int sender, byte[] sig) {
    return sender < nodes.size() && verifier.verify(nodes.get(sender), m.signingBytes(chainId), sig);
  }

  /** Processes a decoded message; false when it was dropped only because of this node's height. */
  private boolean onMessage(ConsensusMessage m) {
    if (m instanceof EntryBatch e) {
      if (bodySigned(e, e.sender(), e.signature())) {
        Ed25519PublicKey from = nodes.get(e.sender());
        for (byte[] entry : e.entriesRaw()) {
          addPending(entry, false, from);
        }
      }
    } else if (m instanceof Status s) {
      if (s.committedHeight() >= height && bodySigned(s, s.sender(), s.signature())) {
        catchUp.claim(s.sender(), s.committedHeight());
        requestSync();
      }
    } else if (m instanceof BlockRequest q) {
      if (bodySigned(q, q.sender(), q.signature())) {
        serve(q);
      }
    } else if (m instanceof BlockResponse r) {
      if (r.fromHeight() <= height && r.fromHeight() + r.blocksRaw().size() > height
          && bodySigned(r, r.sender(), r.signature())) {
        long before = height;
        for (int i = (int) (height - r.fromHeight()); i < r.blocksRaw().size(); i++) {
          if (!applyCertified(r.blocksRaw().get(i), r.certificates().get(i))) {
            break;
          }
        }
        if (height > before) {
          requestSync();
        }
      }
    } else {
      long h = m.height();
      int r = roundOf(m);
      if (h == height) {
        if (r > round + ROUND_WINDOW && !(m instanceof Timeout)) {
          return false;
        }
        if (m instanceof Proposal p) {
          onProposal(p);
        } else if (m instanceof Vote v) {
          onVote(v);
        } else if (m instanceof Timeout t) {
          onTimeout(t);
        }
      } else if (h == height + 1) {
        int signer = r > ROUND_WINDOW ? -1 : futureSigner(m);
        if (signer < 0 || futureBySigner[signer] >= FUTURE_PER_SIGNER) {
          return false;
        }
        futureBySigner[signer]++;
        future.add(m);
      } else if (h < height && h >= height - 2 && h >= 1) {
        if (r > leftAtRound.getOrDefault(h, 0) + ROUND_WINDOW) {
          return true;
        }
        notePast(m);
      } else {
        return false;
      }
    }
    return true;
  }

  private static int roundOf(ConsensusMessage m) {
    if (m instanceof Proposal p) {
      return p.statement().round();
    } else if (m instanceof Vote v) {
      return v.statement().round();
    } else if (m instanceof Timeout t) {
      return t.statement().round();
    }
    return 0;
  }

  /**
   * The index in {@link #nodes} of the member that signed a message of the next height, checked
   * against the current membership before the message is buffered; -1 when the signature fails.
   */
  private int futureSigner(ConsensusMessage m) {
    Ed25519PublicKey k = null;
    Statement st = null;
    byte[] sig = null;
    if (m instanceof Proposal p) {
      st = p.statement();
      k = proposerOf(membership, st.height(), st.round());
      sig = p.sigRaw();
    } else if (m instanceof Vote v && v.voter() < voters.size()) {
      st = v.statement();
      k = voters.get(v.voter());
      sig = v.sigRaw();
    } else if (m instanceof Timeout t && t.voter() < voters.size()) {
      st = t.statement();
      k = voters.get(t.voter());
      sig = t.sigRaw();
    }
    if (k == null || !verifier.verify(k, st.signingBytes(chainId), sig)) {
      return -1;
    }
    return nodes.indexOf(k);
  }

  private void notePast(ConsensusMessage m) {
    Membership mm = app.membership(m.height());
    if (m instanceof Proposal p) {
      Ed25519PublicKey k = proposerOf(mm, p.height(), p.statement().round());
      if (verifier.verify(k, p.statement().signingBytes(chainId), p.sigRaw())) {
        noteStatement(k, p.statement(), p.sigRaw());
      }
    } else if (m instanceof Vote v) {
      List<Ed25519PublicKey> vs = votersOf(mm);
      if (v.voter() < vs.size() && verifier.verify(vs.get(v.voter()), v.statement().signingBytes(chainId), v.sigRaw())) {
        noteStatement(vs.get(v.voter()), v.statement(), v.sigRaw());
      }
    }
  }

  private void noteStatement(Ed25519PublicKey signer, Statement st, byte[] sig) {
    EqKey k = new EqKey(signer, st.kind(), st.height(), st.round());
    Signed prev = firstSeen.putIfAbsent(k, new Signed(st, sig));
    if (prev != null && !prev.st().hash().equals(st.hash()) && reported.add(k)) {
      out.add(new Action.EvidenceFound(new Evidence(signer, prev.st(), prev.sig(), st, sig)));
    }
  }

  /** Records the proposer signature a vote repeats; verifies it only when it is new or conflicting. */
  private void noteEmbeddedProposal(Vote v) {
    Statement vs = v.statement();
    if (Statement.NO_BLOCK.equals(vs.hash()) || MessageDigestEq.allZero(v.proposerSigRaw())) {
      return;
    }
    Ed25519PublicKey p = proposerOf(membership, vs.height(), vs.round());
    Statement ps = new Statement(StatementKind.PROPOSAL, vs.height(), vs.round(), vs.hash(), v.proposalAux());
    Signed first = firstSeen.get(new EqKey(p, StatementKind.PROPOSAL, vs.height(), vs.round()));
    if (first != null && first.st().hash().equals(ps.hash())) {
      return;
    }
    if (verifier.verify(p, ps.signingBytes(chainId), v.proposerSigRaw())) {
      noteStatement(p, ps, v.proposerSigRaw());
    }
  }

  private void onProposal(Proposal p) {
    Statement st = p.statement();
    int r = st.round();
    Ed25519PublicKey prop = proposerOf(membership, height, r);
    Signed known = firstSeen.get(new EqKey(prop, StatementKind.PROPOSAL, height, r));
    boolean alreadyVerified = known != null && known.st().equals(st)
        && java.security.MessageDigest.isEqual(known.sig(), p.sigRaw());
    if (!alreadyVerified && !verifier.verify(prop, st.signingBytes(chainId), p.sigRaw())) {
      return;
    }
    noteStatement(prop, st, p.sigRaw());
    if (proposals.containsKey(r)) {
      return;
    }
    B b;
    try {
      b = app.decode(p.blockRaw());
    } catch (MalformedEncodingException e) {
      reject(r, st.hash(), prop, "undecodable block: " + e.getMessage());
      return;
    }
    Digest hh = app.hash(b);
    if (!hh.equals(st.hash()) || app.height(b) != height) {
      reject(r, st.hash(), prop, "block hash or height does not match the signed proposal");
      return;
    }
    int aux = st.auxRound();
    if (aux >= 0) {
      Certificate pol = p.proofOfLock();
      if (aux >= r || !isProofOfLock(pol, aux, hh)) {
        reject(r, hh, prop, "invalid proof of lock");
        return;
      }
      learnValid(aux, hh, pol, b, p.blockRaw());
    }
    proposals.put(r, new Prop(p, b, hh));
    blocks.putIfAbsent(hh, b);
    blockBytes.putIfAbsent(hh, p.blockRaw());
  }

  private boolean isProofOfLock(Certificate pol, int r, Digest hash) {
    return pol != null && pol.statement().kind() == StatementKind.PREVOTE
        && pol.statement().height() == height && pol.statement().round() == r
        && pol.statement().hash().equals(hash) && pol.verify(chainId, voters, verifier);
  }

  private void reject(int r, Digest hash, Ed25519PublicKey proposer, String reason) {
    if (rejectedRounds.add(r)) {
      out.add(new Action.ProposalRejected(height, r, hash, proposer, reason));
    }
  }

  private void onVote(Vote v) {
    Statement st = v.statement();
    if (v.voter() >= voters.size()) {
      return;
    }
    Ed25519PublicKey k = voters.get(v.voter());
    if (!verifier.verify(k, st.signingBytes(chainId), v.sigRaw())) {
      return;
    }
    noteStatement(k, st, v.sigRaw());
    noteEmbeddedProposal(v);
    addVote(v);
  }

  private void addVote(Vote v) {
    Statement st = v.statement();
    boolean pre = st.kind() == StatementKind.PREVOTE;
    long slot = ((long) st.round() << 16) | v.voter();
    if (!(pre ? votedPrevote : votedPrecommit).add(slot)) {
      return;
    }
    (pre ? prevotes : precommits).computeIfAbsent(st.round(), x -> new HashMap<>())
        .computeIfAbsent(st.hash(), x -> new TreeMap<>()).put(v.voter(), v.sigRaw());
  }

  private void onTimeout(Timeout t) {
    Statement st = t.statement();
    if (t.voter() >= voters.size()) {
      return;
    }
    if (!verifier.verify(voters.get(t.voter()), st.signingBytes(chainId), t.sigRaw())) {
      return;
    }
    int aux = st.auxRound();
    if (aux >= 0 && aux > validRound) {
      if (!isProofOfLock(t.proofOfLock(), aux, st.hash())) {
        return;
      }
      B b;
      try {
        b = app.decode(t.lockedBlockRaw());
      } catch (MalformedEncodingException e) {
        return;
      }
      if (!app.hash(b).equals(st.hash())) {
        return;
      }
      learnValid(aux, st.hash(), t.proofOfLock(), b, t.lockedBlockRaw());
    }
    timeoutRounds.merge(t.voter(), st.round(), Math::max);
  }

  private void learnValid(int r, Digest hash, Certificate cert, B block, byte[] bytes) {
    blocks.putIfAbsent(hash, block);
    blockBytes.putIfAbsent(hash, bytes);
    if (r > validRound) {
      validRound = r;
      validHash = hash;
      validCert = cert;
    }
  }

  // ---------------------------------------------------------------- the rules

  private void progress() {
    for (int guard = 0; guard < 10_000; guard++) {
      boolean changed = tryCommit();
      if (!changed) {
        learnFromPrevotes();
        changed = tryPrevote() | tryPrecommit() | maybePropose() | roundSync();
      }
      if (!changed) {
        return;
      }
    }
  }

  private Certificate certificate(StatementKind kind, int r, Digest hash, TreeMap<Integer, byte[]> sigs) {
    List<Certificate.Signature> list = new ArrayList<>(sigs.size());
    for (Map.Entry<Integer, byte[]> e : sigs.entrySet()) {
      list.add(new Certificate.Signature(e.getKey(), e.getValue()));
    }
    return new Certificate(new Statement(kind, height, r, hash, -1), list);
  }

  private void learnFromPrevotes() {
    for (Map.Entry<Integer, Map<Digest, TreeMap<Integer, byte[]>>> e : prevotes.descendingMap().entrySet()) {
      int r = e.getKey();
      if (r <= validRound) {
        return;
      }
      for (Map.Entry<Digest, TreeMap<Integer, byte[]>> h : e.getValue().entrySet()) {
        if (h.getValue().size() >= quorum && blocks.containsKey(h.getKey())) {
          learnValid(r, h.getKey(), certificate(StatementKind.PREVOTE, r, h.getKey(), h.getValue()),
              blocks.get(h.getKey()), blockBytes.get(h.getKey()));
          return;
        }
      }
    }
  }

  /**
   * The application's verdict on a block under the rules that do not depend on the local clock;
   * deterministic, so it is cached for the height.
   */
  private ValidationVerdict verdict(Digest hash, B b, int r) {
    ValidationVerdict v = verdicts.get(hash);
    if (v == null) {
      Ed25519PublicKey named = app.proposer(b).orElse(null);
      if (named == null || !proposers.contains(named)) {
        v = ValidationVerdict.reject("block names a proposer that is not a federation server");
      } else {
        v = app.validate(b, new ProposalContext(height, r, named, now()));
      }
      verdicts.put(hash, v);
    }
    return v;
  }

  private boolean tryCommit() {
    for (Map.Entry<Integer, Map<Digest, TreeMap<Integer, byte[]>>> e : precommits.entrySet()) {
      for (Map.Entry<Digest, TreeMap<Integer, byte[]>> h : e.getValue().entrySet()) {
        if (h.getValue().size() >= quorum) {
          B b = blocks.get(h.getKey());
          if (b == null) {
            continue;
          }
          Certificate cert = certificate(StatementKind.PRECOMMIT, e.getKey(), h.getKey(), h.getValue());
          return commitBlock(b, h.getKey(), cert);
        }
      }
    }
    return false;
  }

  private boolean commitBlock(B b, Digest hash, Certificate cert) {
    ValidationVerdict v = verdict(hash, b, cert.round());
    if (v instanceof ValidationVerdict.Rejected rj) {
      if (!stalledReported) {
        stalledReported = true;
        out.add(new Action.ProposalRejected(height, cert.round(), hash, app.proposer(b).orElse(null),
            "certified block fails local validation: " + rj.reason()));
      }
      return false;
    }
    app.commit(b, cert);
    List<byte[]> entries = app.entries(b);
    out.add(new Action.Committed(height, hash, app.proposer(b).orElseThrow(), entries.size(), cert));
    for (byte[] entry : entries) {
      Digest d = Sha256.hash(entry);
      recentlyCommitted.put(d, Boolean.TRUE);
      removePending(d);
    }
    leftAtRound.put(height, round);
    enterHeight(height + 1, true);
    enterRound(0);
    return true;
  }

  private boolean applyCertified(byte[] bytes, Certificate cert) {
    if (cert.height() != height || cert.statement().kind() != StatementKind.PRECOMMIT) {
      return false;
    }
    B b;
    try {
      b = app.decode(bytes);
    } catch (MalformedEncodingException e) {
      return false;
    }
    Digest hash = app.hash(b);
    if (!hash.equals(cert.blockHash()) || app.height(b) != height || !cert.verify(chainId, voters, verifier)) {
      return false;
    }
    return commitBlock(b, hash, cert);
  }

  private boolean tryPrevote() {
    if (myVoter < 0 || lastPrevoteRound >= round || lastPrecommitRound >= round
        || rejectedRounds.contains(round)) {
      return false;
    }
    Prop p = proposals.get(round);
    if (p == null) {
      return false;
    }
    @SuppressWarnings("unchecked")
    B b = (B) p.block();
    Ed25519PublicKey expected = proposerOf(membership, height, round);
    int aux = p.msg().statement().auxRound();
    if (aux < 0 && !app.proposer(b).map(expected::equals).orElse(false)) {
      reject(round, p.hash(), expected, "block names another bookkeeper than the proposer of this round");
      return false;
    }
    ValidationVerdict v = verdict(p.hash(), b, round);
    if (v instanceof ValidationVerdict.Rejected rj) {
      reject(round, p.hash(), expected, rj.reason());
      return false;
    }
    // The clock rules decide only whether to vote now; never cached, re-checked on every event.
    if (app.checkTimely(b, now()) instanceof ValidationVerdict.Rejected late) {
      if (untimelyReported.add(round)) {
        out.add(new Action.ProposalRejected(height, round, p.hash(), expected, "not yet: " + late.reason()));
      }
      return false;
    }
    if (!(lockedRound < 0 || p.hash().equals(lockedHash) || (aux >= lockedRound && aux < round))) {
      reject(round, p.hash(), expected, "locked on another block since round " + lockedRound);
      return false;
    }
    Statement st = new Statement(StatementKind.PREVOTE, height, round, p.hash(), -1);
    Vote vote = new Vote(st, myVoter, key.sign(st.signingBytes(chainId)), aux, p.msg().sigRaw());
    lastPrevoteRound = round;
    myPrevote = vote;
    persist();
    out.add(new Action.Broadcast(vote));
    addVote(vote);
    return true;
  }

  private boolean tryPrecommit() {
    if (myVoter < 0 || lastPrecommitRound >= round) {
      return false;
    }
    Map<Digest, TreeMap<Integer, byte[]>> m = prevotes.get(round);
    if (m == null) {
      return false;
    }
    for (Map.Entry<Digest, TreeMap<Integer, byte[]>> e : m.entrySet()) {
      Digest hash = e.getKey();
      if (e.getValue().size() < quorum || !blocks.containsKey(hash)) {
        continue;
      }
      if (!verdict(hash, blocks.get(hash), round).accepted()) {
        continue;
      }
      lockedRound = round;
      lockedHash = hash;
      learnValid(round, hash, certificate(StatementKind.PREVOTE, round, hash, e.getValue()),
          blocks.get(hash), blockBytes.get(hash));
      lastPrevoteRound = Math.max(lastPrevoteRound, round);
      Statement st = new Statement(StatementKind.PRECOMMIT, height, round, hash, -1);
      int aux = -1;
      byte[] psig = NO_SIG;
      Signed ps = firstSeen.get(new EqKey(proposerOf(membership, height, round), StatementKind.PROPOSAL, height, round));
      if (ps != null && ps.st().hash().equals(hash)) {
        aux = ps.st().auxRound();
        psig = ps.sig();
      }
      Vote vote = new Vote(st, myVoter, key.sign(st.signingBytes(chainId)), aux, psig);
      lastPrecommitRound = round;
      myPrecommit = vote;
      persist();
      out.add(new Action.Broadcast(vote));
      addVote(vote);
      return true;
    }
    return false;
  }

  private boolean maybePropose() {
    if (lastProposalRound >= round || !proposerOf(membership, height, round).equals(me)) {
      return false;
    }
    if (validRound >= 0 && blocks.containsKey(validHash)) {
      propose(blocks.get(validHash), validHash, blockBytes.get(validHash), validRound, validCert);
      return true;
    }
    if (pool.isEmpty()) {
      return false;
    }
    long now = now();
    long oldest = pool.values().iterator().next().arrival();
    long wait = oldest + cfg.maxBatchDelay().toMillis() - now;
    if (pool.size() < cfg.maxBlockEntries() && poolBytes < cfg.maxBlockBytes() && wait > 0) {
      TimerId t = timers.get("propose");
      if (t == null || t.height() != height || t.round() != round) {
        setTimer("propose", height, round, Duration.ofMillis(wait));
      }
      return false;
    }
    List<byte[]> batch = new ArrayList<>();
    long bytes = 0;
    for (Pending p : pool.values()) {
      if (batch.size() >= cfg.maxBlockEntries() || bytes + p.entry().length > cfg.maxBlockBytes()) {
        break;
      }
      batch.add(p.entry());
      bytes += p.entry().length;
    }
    B b = app.propose(new ProposalContext(height, round, me, now), batch);
    List<byte[]> chosen = app.entries(b);
    if (chosen.size() < batch.size()) {
      Set<Digest> kept = new HashSet<>();
      for (byte[] e : chosen) {
        kept.add(Sha256.hash(e));
      }
      for (byte[] e : batch) {
        Digest d = Sha256.hash(e);
        if (!kept.contains(d)) {
          removePending(d);
        }
      }
      if (chosen.isEmpty()) {
        return false;
      }
    }
    Digest hash = app.hash(b);
    verdicts.put(hash, ValidationVerdict.accept());
    propose(b, hash, app.encode(b), -1, null);
    return true;
  }

  private void propose(B b, Digest hash, byte[] bytes, int aux, Certificate pol) {
    Statement st = new Statement(StatementKind.PROPOSAL, height, round, hash, aux);
    Proposal p = new Proposal(st, key.sign(st.signingBytes(chainId)), bytes, pol);
    lastProposalRound = round;
    myProposal = p;
    persist();
    out.add(new Action.Broadcast(p));
    noteStatement(me, st, p.sigRaw());
    proposals.put(round, new Prop(p, b, hash));
    blocks.putIfAbsent(hash, b);
    blockBytes.putIfAbsent(hash, bytes);
  }

  private boolean roundSync() {
    if (timeoutRounds.size() < faulty + 1) {
      return false;
    }
    List<Integer> rs = new ArrayList<>(timeoutRounds.values());
    rs.sort(Collections.reverseOrder());
    if (myVoter >= 0) {
      int rf = rs.get(faulty);
      if (rf >= round && rf > lastTimeoutRound) {
        sendTimeout(rf);
        return true;
      }
    }
    if (rs.size() >= quorum) {
      int rq = rs.get(quorum - 1);
      if (rq >= round) {
        enterRound(rq + 1);
        return true;
      }
    }
    return false;
  }

  private void sendTimeout(int r) {
    boolean pol = validRound >= 0;
    Statement st = new Statement(StatementKind.TIMEOUT, height, r, pol ? validHash : Statement.NO_BLOCK,
        pol ? validRound : -1);
    Timeout t = new Timeout(st, myVoter, key.sign(st.signingBytes(chainId)), pol ? validCert : null,
        pol ? blockBytes.get(validHash) : new byte[0]);
    lastTimeoutRound = r;
    myTimeout = t;
    persist();
    out.add(new Action.Broadcast(t));
    timeoutRounds.merge(myVoter, r, Math::max);
  }

  // ---------------------------------------------------------------- catch-up

  /** Asks the next peer in turn that claims to be ahead, if no request is outstanding. */
  private void requestSync() {
    if (myIndex < 0) {
      return;
    }
    int peer = catchUp.next(height, now(), cfg.retransmitInterval().toMillis());
    if (peer >= 0) {
      out.add(new Action.Send(nodes.get(peer), BlockRequest.sign(height, cfg.syncBatch(), myIndex, key, chainId)));
    }
  }

  private void serve(BlockRequest q) {
    long committed = height - 1;
    if (q.fromHeight() > committed) {
      return;
    }
    long last = Math.min(committed, q.fromHeight() + Math.min(q.count(), cfg.syncBatch()) - 1);
    List<byte[]> bs = new ArrayList<>();
    List<Certificate> cs = new ArrayList<>();
    long bytes = 0;
    for (long h = q.fromHeight(); h <= last; h++) {
      byte[] enc = app.encode(app.committedBlock(h));
      if (!bs.isEmpty() && bytes + enc.length > cfg.maxMessageBytes() / 2) {
        break;
      }
      bs.add(enc);
      cs.add(app.certificate(h));
      bytes += enc.length;
    }
    out.add(new Action.Send(nodes.get(q.sender()), BlockResponse.sign(q.fromHeight(), bs, cs, myIndex, key, chainId)));
  }

  // ---------------------------------------------------------------- durable safety state

  private static void opt(Wire.Writer w, ConsensusMessage m) {
    w.bytes(m == null ? new byte[0] : m.encode());
  }

  private void persist() {
    Wire.Writer w = new Wire.Writer(256);
    w.u8(1).i64(height).i32(round).i32(lockedRound).digest(lockedHash == null ? Statement.NO_BLOCK : lockedHash)
        .i32(lastPrevoteRound).i32(lastPrecommitRound).i32(lastTimeoutRound).i32(lastProposalRound);
    opt(w, myPrevote);
    opt(w, myPrecommit);
    opt(w, myTimeout);
    opt(w, myProposal);
    boolean pol = validRound >= 0 && blockBytes.containsKey(validHash);
    w.i32(pol ? validRound : -1);
    if (pol) {
      validCert.write(w);
      w.bytes(blockBytes.get(validHash));
    }
    ctx.safetyStore().save(w.toByteArray());
  }

  private ConsensusMessage optRead(Wire.Reader r) {
    byte[] b = r.bytes(cfg.maxMessageBytes());
    return b.length == 0 ? null : ConsensusMessage.decode(b, cfg.maxMessageBytes());
  }

  private void restore(byte[] state) {
    Wire.Reader r = new Wire.Reader(state);
    if (r.u8() != 1) {
      throw new MalformedEncodingException("unknown safety state version");
    }
    long h = r.i64();
    if (h > height) {
      throw new IllegalStateException("refusing to start: the saved consensus safety state is for height " + h
          + " but the block store has committed only height " + (height - 1)
          + "; the block store lost blocks this node voted past, so voting now could contradict its earlier votes");
    }
    if (h < height) {
      return;
    }
    round = r.i32In(0, Integer.MAX_VALUE, "round");
    lockedRound = r.i32In(-1, Integer.MAX_VALUE, "locked round");
    Digest lh = r.digest();
    lockedHash = lockedRound >= 0 ? lh : null;
    lastPrevoteRound = r.i32();
    lastPrecommitRound = r.i32();
    lastTimeoutRound = r.i32();
    lastProposalRound = r.i32();
    myPrevote = (Vote) optRead(r);
    myPrecommit = (Vote) optRead(r);
    myTimeout = (Timeout) optRead(r);
    myProposal = (Proposal) optRead(r);
    int vr = r.i32In(-1, Integer.MAX_VALUE, "valid round");
    if (vr >= 0) {
      Certificate c = Certificate.read(r);
      byte[] bytes = r.bytes(cfg.maxMessageBytes());
      B b = app.decode(bytes);
      learnValid(vr, app.hash(b), c, b, bytes);
    }
    r.done();
    round = Math.max(round, Math.max(lastTimeoutRound, Math.max(lastPrevoteRound, lastPrecommitRound)));
    if (myPrevote != null) {
      addVote(myPrevote);
    }
    if (myPrecommit != null) {
      addVote(myPrecommit);
    }
    if (myTimeout != null) {
      timeoutRounds.merge(myVoter, myTimeout.statement().round(), Math::max);
    }
    if (myProposal != null) {
      onProposal(myProposal);
    }
  }
}

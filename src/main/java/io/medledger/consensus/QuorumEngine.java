package io.medledger.consensus;

import io.medledger.internal.PeerBudget;
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
  /** Block requests of one peer answered (and signature-checked) per second, and at once. */
  static final int SERVE_PER_SECOND = 16;
  /** Timeouts per voter a second that may raise its highest timeout round (an honest voter raises it about once a round). */
  static final int TIMEOUTS_PER_SECOND = 16;
  /**
   * Status messages of one peer claiming a height at or above ours whose signature is checked per
   * second, and at once (an honest peer sends one every retransmit interval).
   */
  static final int STATUS_PER_SECOND = 16;
  /** Block responses of one peer checked per second, and at once (an honest peer answers our requests, about 4 a second). */
  static final int RESPONSES_PER_SECOND = 16;
  /** Bad signatures one peer's messages may carry per second before it is not heard for a while. */
  static final int FORGED_PER_SECOND = 8;
  /** ... and at once. */
  static final int FORGED_BURST = 64;
  /** A local entry waiting for a block is re-gossiped after retransmitInterval, then after doubling waits up to this many intervals. */
  private static final long REGOSSIP_BACKOFF = 16;
  private static final byte[] NO_SIG = new byte[64];

  private record Prop(Proposal msg, Object block, Digest hash) {}

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
  private final EngineTimers timers = new EngineTimers();

  private long height;
  private int round;
  private int roundBase;
  private VoterSet membership;
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
  /** Acceptances under every rule but the entries' signatures: usable only with a certificate. */
  private final Map<Digest, ValidationVerdict> certifiedVerdicts = new HashMap<>();
  private final VoteTally tally = new VoteTally();
  private final RoundSync timeouts = new RoundSync();
  private final Set<Integer> rejectedRounds = new HashSet<>();
  private final Set<Integer> untimelyReported = new HashSet<>();
  private boolean stalledReported;
  private final LockState lock = new LockState();

  private final PendingPool pool;
  private final List<byte[]> gossipOut = new ArrayList<>();
  private final Admission admission = new Admission();
  private CatchUpPeers catchUp;
  /** Bad signatures in each peer's messages: at most {@link #FORGED_PER_SECOND} a second, {@link #FORGED_BURST} at once. */
  private final PeerBudget<Ed25519PublicKey> forged = new PeerBudget<>(FORGED_PER_SECOND, FORGED_BURST);
  /** The peer whose message is being handled (charged for the signatures that fail), or null. */
  private Ed25519PublicKey sender;
  /** Timeouts that raised a voter's highest round, per voter index: {@link #TIMEOUTS_PER_SECOND} a second, that many at once. */
  private final PeerBudget<Integer> raisedTimeouts = new PeerBudget<>(TIMEOUTS_PER_SECOND, TIMEOUTS_PER_SECOND);
  /** Status messages checked per peer: at most {@link #STATUS_PER_SECOND} a second, that many at once. */
  private final PeerBudget<Ed25519PublicKey> statusChecks = new PeerBudget<>(STATUS_PER_SECOND, STATUS_PER_SECOND);
  /** Block responses checked per peer: at most {@link #RESPONSES_PER_SECOND} a second, that many at once. */
  private final PeerBudget<Ed25519PublicKey> responseChecks =
      new PeerBudget<>(RESPONSES_PER_SECOND, RESPONSES_PER_SECOND);
  /** Block requests answered per peer: at most {@link #SERVE_PER_SECOND} a second, that many at once. */
  private final PeerBudget<Ed25519PublicKey> served = new PeerBudget<>(SERVE_PER_SECOND, SERVE_PER_SECOND);
  private final LinkedHashMap<Digest, Boolean> seen = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Digest, Boolean> e) {
      return size() > SEEN_LIMIT;
    }
  };
  private final EquivocationLog equivocations = new EquivocationLog();

  QuorumEngine(String name, Roles roles, ConsensusApp<B> app, ConsensusContext ctx, ConsensusConfig cfg) {
    this.name = name;
    this.roles = roles;
    this.app = app;
    this.ctx = ctx;
    this.cfg = cfg;
    this.key = ctx.key();
    this.me = key.publicKey();
    this.chainId = app.chainId();
    this.verifier = chargingFailures(ctx.verifier());
    this.pool = new PendingPool(cfg.maxPendingEntries(), cfg.maxBlockBytes(),
        Math.max(SEEN_LIMIT, 4 * cfg.maxBlockEntries()), cfg.maxGossipedPerShare(), app::shareOf);
  }

  /**
   * {@code inner}, charging each signature that fails to the peer whose message is being handled:
   * honest nodes send only what they signed or verified, so a bad signature is its sender's.
   */
  private SignatureVerifier chargingFailures(SignatureVerifier inner) {
    return new SignatureVerifier() {
      @Override
      public boolean verify(Ed25519PublicKey k, byte[] message, byte[] signature) {
        boolean ok = inner.verify(k, message, signature);
        if (!ok && sender != null) {
          forged.charge(sender, 1);
        }
        return ok;
      }

      @Override
      public void prepare(List<Ed25519PublicKey> keys, List<byte[]> messages, List<byte[]> signatures) {
        inner.prepare(keys, messages, signatures);
      }
    };
  }

  static Ed25519PublicKey proposerOf(VoterSet m, long height, int round) {
    List<Ed25519PublicKey> p = m.federation();
    return p.get((int) Math.floorMod(height + round, (long) p.size()));
  }

  List<Ed25519PublicKey> votersOf(VoterSet m) {
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
      if (pool.add(s.raw(), now(), true, null)) {
        gossipOut.add(s.raw());
        if (gossipOut.size() >= 256) {
          flushGossip();
        } else if (gossipOut.size() == 1) {
          // one batch per maxBatchDelay: fewer, larger frames for every peer
          setTimer("gossip", height, round, Duration.ofMillis(Math.max(1, cfg.maxBatchDelay().toMillis())));
        }
      }
    } else if (event instanceof Event.MessageReceived m) {
      onBytes(m.from(), m.bytes());
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
    bytes += admission.retainedBytes(STATEMENT_BYTES);
    bytes += (long) STATEMENT_BYTES * (tally.size() + proposals.size() + equivocations.size() + timeouts.voters());
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
      } catch (ClassCastException | IllegalArgumentException | MalformedEncodingException e) {
        throw new IllegalStateException("refusing to start: the saved consensus safety state is unreadable ("
            + e.getMessage() + "); restore it from a backup, never delete it, or this node may vote twice", e);
      }
    }
    roundBase = round;
    enterRound(round);
    out.add(new Action.Broadcast(status()));
    retransmitOwn();
    setTimer("tick", 0, 0, EngineTimers.jittered(cfg.retransmitInterval(), ctx.random()));
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
    pool.members(nodes.size());
    if (catchUp == null || !nodes.equals(before)) {
      catchUp = new CatchUpPeers(nodes.size(), myIndex);
    }
    quorum = VoterSet.quorum(voters.size());
    faulty = VoterSet.maxFaulty(voters.size());
    proposals.clear();
    blocks.clear();
    blockBytes.clear();
    verdicts.clear();
    certifiedVerdicts.clear();
    tally.clear();
    timeouts.clear();
    rejectedRounds.clear();
    untimelyReported.clear();
    stalledReported = false;
    lock.reset();
    equivocations.forgetBelow(h - 2);
    List<ConsensusMessage> buffered = admission.enter(h, nodes.size());
    if (replay) {
      for (ConsensusMessage m : buffered) {
        onMessage(m, null);
      }
    }
  }

  private void enterRound(int r) {
    round = r;
    setTimer("round", height, r, roundTimeout(r));
  }

  private Duration roundTimeout(int r) {
    return EngineTimers.roundTimeout(cfg.roundTimeout(), cfg.maxBackoffExponent(), r, roundBase);
  }

  private void setTimer(String n, long h, int r, Duration d) {
    out.add(timers.set(n, h, r, d));
  }

  private void onTimer(TimerId t) {
    if (!timers.fire(t)) {
      return;
    }
    switch (t.name()) {
      case "round" -> {
        if (t.height() == height && t.round() == round) {
          if (myVoter >= 0 && hasWork() && lock.lastTimeoutRound < round) {
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
        setTimer("tick", 0, 0, EngineTimers.jittered(cfg.retransmitInterval(), ctx.random()));
      }
      default -> { }
    }
  }

  private boolean hasWork() {
    if (!proposals.isEmpty() || !tally.isEmpty() || !timeouts.isEmpty()) {
      return true;
    }
    if (pool.isEmpty()) {
      return false;
    }
    return now() - pool.oldestArrival() >= cfg.roundTimeout().toMillis();
  }

  private void retransmitOwn() {
    if (lock.myProposal != null && lock.myProposal.statement().round() == round) {
      out.add(new Action.Broadcast(lock.myProposal));
    }
    if (lock.myPrevote != null) {
      out.add(new Action.Broadcast(lock.myPrevote));
    }
    if (lock.myPrecommit != null) {
      out.add(new Action.Broadcast(lock.myPrecommit));
    }
    if (lock.myTimeout != null) {
      out.add(new Action.Broadcast(lock.myTimeout));
    }
  }

  // ---------------------------------------------------------------- entries

  private void flushGossip() {
    if (myIndex < 0) {
      gossipOut.clear(); // not a member at this height: nobody would accept its batch; regossip sends them later
      return;
    }
    if (!gossipOut.isEmpty()) {
      out.add(new Action.Broadcast(new EntryBatch(gossipOut)));
      gossipOut.clear();
    }
  }

  private void regossip() {
    if (myIndex < 0) {
      return;
    }
    long every = cfg.retransmitInterval().toMillis();
    List<byte[]> again = pool.regossipDue(now(), every, REGOSSIP_BACKOFF * every, cfg.maxBlockEntries());
    if (!again.isEmpty()) {
      out.add(new Action.Broadcast(new EntryBatch(again)));
    }
  }

  // ---------------------------------------------------------------- messages

  private void onBytes(Ed25519PublicKey from, byte[] bytes) {
    // A peer whose messages carried too many bad signatures is not heard until its budget refills:
    // its flood then costs this check, not a signature check per message.
    if (from != null && !forged.allows(from, now())) {
      return;
    }
    sender = from;
    try {
      onBytesFrom(from, bytes);
    } finally {
      sender = null;
    }
  }

  private void onBytesFrom(Ed25519PublicKey from, byte[] bytes) {
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
    if (onMessage(m, from) && d != null) {
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

  /**
   * Whether a body-signed message was signed by {@code from}, the peer the transport names. The
   * sender index inside names the sender in the membership of the sender's own height, which
   * after a reconfiguration differs from this node's: the key, not the index, identifies it.
   */
  private boolean bodySigned(ConsensusMessage m, Ed25519PublicKey from, byte[] sig) {
    return from != null && verifier.verify(from, m.signingBytes(chainId), sig);
  }

  /** Processes a decoded message; false when it was dropped only because of this node's height. */
  private boolean onMessage(ConsensusMessage m, Ed25519PublicKey from) {
    int peer = from == null ? -1 : nodes.indexOf(from);
    if (m instanceof EntryBatch e) {
      // unsigned: taken from the member the transport authenticated (see EntryBatch)
      if (peer >= 0) {
        for (byte[] entry : e.entriesRaw()) {
          pool.add(entry, now(), false, from);
        }
      }
    } else if (m instanceof Status s) {
      // Each peer's statuses and responses are checked within its own budget, charged before the
      // signature: a member that signs a new one for every frame (another round, another claimed
      // height) costs this node at most that many checks a second.
      if (peer >= 0 && s.committedHeight() >= height && statusChecks.take(from, now())
          && bodySigned(s, from, s.signature())) {
        catchUp.claim(peer, s.committedHeight());
        requestSync();
      }
    } else if (m instanceof BlockRequest q) {
      // Served to a member of the height it asks for (after a reconfiguration, maybe not one of ours),
      // within its own budget, charged before its signature is checked: a flood of requests, signed
      // or not, costs this node at most SERVE_PER_SECOND answers and checks per peer.
      if (q.fromHeight() < height && app.membership(q.fromHeight()).nodes().contains(from)
          && served.take(from, now()) && bodySigned(q, from, q.signature())) {
        serve(q, from);
      }
    } else if (m instanceof BlockResponse r) {
      if (peer >= 0 && r.fromHeight() <= height && r.fromHeight() + r.blocksRaw().size() > height
          && responseChecks.take(from, now()) && bodySigned(r, from, r.signature())) {
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
      switch (admission.decide(height, round, m.height(), Admission.roundOf(m), m instanceof Timeout)) {
        case CURRENT -> {
          if (m instanceof Proposal p) {
            onProposal(p);
          } else if (m instanceof Vote v) {
            onVote(v);
          } else if (m instanceof Timeout t) {
            onTimeout(t);
          }
        }
        case NEXT_HEIGHT -> {
          if (!admission.buffer(futureSigner(m), m)) {
            return false;
          }
        }
        case PAST -> notePast(m);
        case PAST_BEYOND_WINDOW -> { }
        default -> {
          return false;
        }
      }
    }
    return true;
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
    VoterSet mm = app.membership(m.height());
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
    Equivocation e = equivocations.note(signer, st, sig);
    if (e != null) {
      out.add(new Action.EvidenceFound(e));
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
    EquivocationLog.Signed first = equivocations.first(p, StatementKind.PROPOSAL, vs.height(), vs.round());
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
    if (equivocations.caught(prop, StatementKind.PROPOSAL, height, r)) {
      return; // a proposer caught equivocating in this round is not heard in it again
    }
    EquivocationLog.Signed known = equivocations.first(prop, StatementKind.PROPOSAL, height, r);
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
      QuorumCertificate pol = p.proofOfLock();
      if (aux >= r || !isProofOfLock(pol, aux, hh)) {
        reject(r, hh, prop, "invalid proof of lock");
        return;
      }
      learnValid(aux, hh, pol, b, p.blockRaw());
    }
    proposals.put(r, new Prop(p, b, hh));
    blocks.putIfAbsent(hh, b);
    blockBytes.putIfAbsent(hh, p.blockRaw());
    if (myVoter < 0 && cfg.catchUpTrustsCertificates()) {
      // A node that does not vote commits this block only under a certificate, and would check it
      // then, on the path to the next height; checking it now overlaps the voters' own checks.
      verdict(hh, b, r, true);
    }
  }

  private boolean isProofOfLock(QuorumCertificate pol, int r, Digest hash) {
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
    // A voter caught equivocating in this slot is not heard there again: a flood of statements it
    // really signed, each with a new hash, costs two signature checks per slot, and no tally room.
    if (equivocations.caught(k, st.kind(), st.height(), st.round())) {
      return;
    }
    // The voter's vote for this very statement is already counted: another copy (other unsigned
    // fields, or the statement signed again) adds nothing worth a signature check.
    EquivocationLog.Signed known = equivocations.first(k, st.kind(), st.height(), st.round());
    if (known != null && known.st().equals(st)) {
      noteEmbeddedProposal(v);
      return;
    }
    if (!verifier.verify(k, st.signingBytes(chainId), v.sigRaw())) {
      return;
    }
    noteStatement(k, st, v.sigRaw());
    noteEmbeddedProposal(v);
    tally.add(v);
  }

  private void onTimeout(Timeout t) {
    Statement st = t.statement();
    if (t.voter() >= voters.size()) {
      return;
    }
    int aux = st.auxRound();
    boolean teaches = aux >= 0 && aux > lock.validRound;
    boolean raises = st.round() > timeouts.highest(t.voter());
    // Checked only when it can change something: a round above the voter's highest so far (at most
    // TIMEOUTS_PER_SECOND of those a second per voter, charged once verified, so that another
    // member cannot spend a voter's budget), or a proof of lock this node lacks.
    if (!teaches && !(raises && raisedTimeouts.allows(t.voter(), now()))) {
      return;
    }
    if (!verifier.verify(voters.get(t.voter()), st.signingBytes(chainId), t.sigRaw())) {
      return;
    }
    if (raises) {
      raisedTimeouts.charge(t.voter(), 1);
    }
    if (aux >= 0 && aux > lock.validRound) {
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
    timeouts.record(t.voter(), st.round());
  }

  private void learnValid(int r, Digest hash, QuorumCertificate cert, B block, byte[] bytes) {
    blocks.putIfAbsent(hash, block);
    blockBytes.putIfAbsent(hash, bytes);
    lock.learnValid(r, hash, cert);
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

  private void learnFromPrevotes() {
    for (int r : tally.rounds(StatementKind.PREVOTE).descendingSet()) {
      if (r <= lock.validRound) {
        return;
      }
      for (Digest h : tally.quorumHashes(StatementKind.PREVOTE, r, quorum)) {
        if (blocks.containsKey(h)) {
          learnValid(r, h, tally.certificate(StatementKind.PREVOTE, height, r, h), blocks.get(h), blockBytes.get(h));
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
    return verdict(hash, b, r, false);
  }

  /**
   * As {@link #verdict(Digest, B, int)}; with {@code certified} (a block committed under a verified
   * certificate, or checked ahead for one, when the configuration trusts certificates) the
   * application may skip entry signatures: a rejection is cached as a verdict, an acceptance only
   * for later certified use, never for a vote.
   */
  private ValidationVerdict verdict(Digest hash, B b, int r, boolean certified) {
    ValidationVerdict v = verdicts.get(hash);
    if (v == null && certified) {
      v = certifiedVerdicts.get(hash);
    }
    if (v == null) {
      Ed25519PublicKey named = app.proposer(b).orElse(null);
      if (named == null || !proposers.contains(named)) {
        v = ValidationVerdict.reject("block names a proposer that is not a federation server");
      } else {
        ProposalContext pc = new ProposalContext(height, r, named, now());
        v = certified ? app.validateCertified(b, pc) : app.validate(b, pc);
      }
      if (!certified || !v.accepted()) {
        verdicts.put(hash, v);
      } else {
        certifiedVerdicts.put(hash, v);
      }
    }
    return v;
  }

  private boolean tryCommit() {
    for (int r : tally.rounds(StatementKind.PRECOMMIT)) {
      for (Digest h : tally.quorumHashes(StatementKind.PRECOMMIT, r, quorum)) {
        B b = blocks.get(h);
        if (b == null) {
          continue;
        }
        return commitBlock(b, h, tally.certificate(StatementKind.PRECOMMIT, height, r, h));
      }
    }
    return false;
  }

  /**
   * Commits a block under a verified precommit certificate: one that arrived by catch-up, or one
   * whose quorum of precommits this node counted. When the configuration trusts certificates, a
   * node without a verdict of its own (one that does not vote, such as a federation server under
   * {@code rotating-audit}, or a voter that never validated the proposal) skips the entries'
   * signatures, as catch-up does: more than f honest voters validated them before precommitting.
   * A voter's own full verdict, cached when it prevoted, is used as it is.
   */
  private boolean commitBlock(B b, Digest hash, QuorumCertificate cert) {
    ValidationVerdict v = verdict(hash, b, cert.round(), cfg.catchUpTrustsCertificates());
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
      pool.committed(entry);
    }
    admission.left(height, round);
    enterHeight(height + 1, true);
    enterRound(0);
    return true;
  }

  private boolean applyCertified(byte[] bytes, QuorumCertificate cert) {
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
    if (myVoter < 0 || lock.lastPrevoteRound >= round || lock.lastPrecommitRound >= round
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
    if (!lock.mayPrevote(p.hash(), aux, round)) {
      reject(round, p.hash(), expected, "locked on another block since round " + lock.lockedRound);
      return false;
    }
    Statement st = new Statement(StatementKind.PREVOTE, height, round, p.hash(), -1);
    Vote vote = new Vote(st, myVoter, key.sign(st.signingBytes(chainId)), aux, p.msg().sigRaw());
    lock.lastPrevoteRound = round;
    lock.myPrevote = vote;
    persist();
    out.add(new Action.Broadcast(vote));
    tally.add(vote);
    return true;
  }

  private boolean tryPrecommit() {
    if (myVoter < 0 || lock.lastPrecommitRound >= round) {
      return false;
    }
    for (Digest hash : tally.quorumHashes(StatementKind.PREVOTE, round, quorum)) {
      if (!blocks.containsKey(hash)) {
        continue;
      }
      if (!verdict(hash, blocks.get(hash), round).accepted()) {
        continue;
      }
      lock.lock(round, hash);
      learnValid(round, hash, tally.certificate(StatementKind.PREVOTE, height, round, hash),
          blocks.get(hash), blockBytes.get(hash));
      lock.lastPrevoteRound = Math.max(lock.lastPrevoteRound, round);
      Statement st = new Statement(StatementKind.PRECOMMIT, height, round, hash, -1);
      int aux = -1;
      byte[] psig = NO_SIG;
      EquivocationLog.Signed ps = equivocations.first(proposerOf(membership, height, round),
          StatementKind.PROPOSAL, height, round);
      if (ps != null && ps.st().hash().equals(hash)) {
        aux = ps.st().auxRound();
        psig = ps.sig();
      }
      Vote vote = new Vote(st, myVoter, key.sign(st.signingBytes(chainId)), aux, psig);
      lock.lastPrecommitRound = round;
      lock.myPrecommit = vote;
      persist();
      out.add(new Action.Broadcast(vote));
      tally.add(vote);
      return true;
    }
    return false;
  }

  private boolean maybePropose() {
    if (lock.lastProposalRound >= round || !proposerOf(membership, height, round).equals(me)) {
      return false;
    }
    if (lock.validRound >= 0 && blocks.containsKey(lock.validHash)) {
      propose(blocks.get(lock.validHash), lock.validHash, blockBytes.get(lock.validHash), lock.validRound, lock.validCert);
      return true;
    }
    if (pool.isEmpty()) {
      return false;
    }
    long now = now();
    long wait = pool.oldestArrival() + cfg.maxBatchDelay().toMillis() - now;
    if (pool.size() < cfg.maxBlockEntries() && pool.bytes() < cfg.maxBlockBytes() && wait > 0) {
      TimerId t = timers.current("propose");
      if (t == null || t.height() != height || t.round() != round) {
        setTimer("propose", height, round, Duration.ofMillis(wait));
      }
      return false;
    }
    List<byte[]> batch = pool.batch(cfg.maxBlockEntries(), cfg.maxBlockBytes());
    B b = app.propose(new ProposalContext(height, round, me, now), batch);
    List<byte[]> chosen = app.entries(b);
    if (chosen.size() < batch.size()) {
      Set<Digest> kept = new HashSet<>();
      for (byte[] e : chosen) {
        kept.add(Sha256.hash(e));
      }
      for (byte[] e : batch) {
        Digest d = Sha256.hash(e);
        if (!kept.contains(d) && !app.deferred(e)) { // a deferred entry stays pending for a later block
          Ed25519PublicKey gossiper = pool.remove(d);
          // an honest member gossips only entries it checked, so one no honest node would pass on
          // is charged to its gossiper like a bad signature on its own messages
          if (gossiper != null && app.forged(e)) {
            forged.allows(gossiper, now); // tracks it again if forgotten
            forged.charge(gossiper, 1);
          }
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

  private void propose(B b, Digest hash, byte[] bytes, int aux, QuorumCertificate pol) {
    Statement st = new Statement(StatementKind.PROPOSAL, height, round, hash, aux);
    Proposal p = new Proposal(st, key.sign(st.signingBytes(chainId)), bytes, pol);
    lock.lastProposalRound = round;
    lock.myProposal = p;
    persist();
    out.add(new Action.Broadcast(p));
    noteStatement(me, st, p.sigRaw());
    proposals.put(round, new Prop(p, b, hash));
    blocks.putIfAbsent(hash, b);
    blockBytes.putIfAbsent(hash, bytes);
  }

  private boolean roundSync() {
    if (timeouts.voters() < faulty + 1) {
      return false;
    }
    if (myVoter >= 0) {
      int rf = timeouts.reachedBy(faulty + 1);
      if (rf >= round && rf > lock.lastTimeoutRound) {
        sendTimeout(rf);
        return true;
      }
    }
    if (timeouts.voters() >= quorum) {
      int rq = timeouts.reachedBy(quorum);
      if (rq >= round) {
        enterRound(rq + 1);
        return true;
      }
    }
    return false;
  }

  private void sendTimeout(int r) {
    boolean pol = lock.validRound >= 0;
    Statement st = new Statement(StatementKind.TIMEOUT, height, r, pol ? lock.validHash : Statement.NO_BLOCK,
        pol ? lock.validRound : -1);
    Timeout t = new Timeout(st, myVoter, key.sign(st.signingBytes(chainId)), pol ? lock.validCert : null,
        pol ? blockBytes.get(lock.validHash) : new byte[0]);
    lock.lastTimeoutRound = r;
    lock.myTimeout = t;
    persist();
    out.add(new Action.Broadcast(t));
    timeouts.record(myVoter, r);
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

  private void serve(BlockRequest q, Ed25519PublicKey to) {
    long committed = height - 1;
    if (q.fromHeight() > committed) {
      return;
    }
    long last = Math.min(committed, q.fromHeight() + Math.min(q.count(), cfg.syncBatch()) - 1);
    List<byte[]> bs = new ArrayList<>();
    List<QuorumCertificate> cs = new ArrayList<>();
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
    out.add(new Action.Send(to, BlockResponse.sign(q.fromHeight(), bs, cs, Math.max(0, myIndex), key, chainId)));
  }

  // ---------------------------------------------------------------- durable safety state

  private void persist() {
    // blocks committed by a catch-up run become durable before a safety state for a later height
    app.endCatchUp();
    byte[] polBlock = lock.validRound >= 0 ? blockBytes.get(lock.validHash) : null;
    ctx.safetyStore().save(lock.encode(height, round, polBlock));
  }

  private void restore(byte[] state) {
    Wire.Reader r = new Wire.Reader(state);
    long h = LockState.readHeight(r);
    if (h > height) {
      throw new IllegalStateException("refusing to start: the saved consensus safety state is for height " + h
          + " but the block store has committed only height " + (height - 1)
          + "; the block store lost blocks this node voted past, so voting now could contradict its earlier votes");
    }
    if (h < height) {
      return;
    }
    round = lock.read(r, cfg.maxMessageBytes());
    int vr = r.i32In(-1, Integer.MAX_VALUE, "valid round");
    if (vr >= 0) {
      QuorumCertificate c = QuorumCertificate.read(r);
      byte[] bytes = r.bytes(cfg.maxMessageBytes());
      B b = app.decode(bytes);
      learnValid(vr, app.hash(b), c, b, bytes);
    }
    r.done();
    round = lock.resumeRound(round);
    if (lock.myPrevote != null) {
      tally.add(lock.myPrevote);
    }
    if (lock.myPrecommit != null) {
      tally.add(lock.myPrecommit);
    }
    if (lock.myTimeout != null) {
      timeouts.record(myVoter, lock.myTimeout.statement().round());
    }
    if (lock.myProposal != null) {
      onProposal(lock.myProposal);
    }
  }
}

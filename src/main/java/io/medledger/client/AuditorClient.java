package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.anchor.bitcoin.HeaderSource;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Entry;
import io.medledger.chain.LedgerInclusionProof;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.chain.QueryHit;
import io.medledger.chain.ValidationResult;
import io.medledger.crypto.Digest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * What an auditor or a regulator can do: verify the chain (every block, signature, rule, root and
 * certificate, from genesis), inclusion proofs, anchor receipts, and patients' access trails with
 * completeness proofs. It sees pseudonymous metadata only: this type has no operation that returns
 * a payload. A regulator may also order the erasure of a payload.
 *
 * <p>Thread-safe.
 */
public final class AuditorClient {
  private static final java.util.Set<ParticipantKind> OVERSEERS = java.util.EnumSet.of(ParticipantKind.AUDIT_SERVER,
      ParticipantKind.REGULATOR, ParticipantKind.FEDERATION_SERVER);
  private final Session session;
  private final boolean regulator;
  private final LedgerQuery query;

  private AuditorClient(Session session) {
    this.session = session;
    this.regulator = session.self().kind() == ParticipantKind.REGULATOR;
    this.query = new LedgerQuery(session, new Viewer(session.id(), session.self().kind(), Optional.empty(), true));
  }

  /**
   * The client of an auditor or, for a {@link ParticipantKind#REGULATOR} identity, a regulator.
   * Auditing needs no registration: it verifies and reads pseudonymous metadata, never payloads.
   * A regulator's erasure orders are checked against the ledger when made. Only the kinds the
   * nodes let read every patient's access trail open it: an auditor ({@link
   * ParticipantKind#AUDIT_SERVER}), a regulator or a federation server.
   *
   * @throws IllegalArgumentException if {@code auditor} is of another kind (a patient, clinician,
   *     researcher, institution or storage node)
   */
  public static AuditorClient open(LedgerConnection connection, Identity auditor) {
    if (!OVERSEERS.contains(auditor.kind())) {
      throw new IllegalArgumentException("an auditor's client needs an audit server, regulator or federation server"
          + " identity, not a " + auditor.kind().label());
    }
    return new AuditorClient(new Session(connection, auditor));
  }

  /** The auditor's id. */
  public ParticipantId id() {
    return session.id();
  }

  /** Whether this client acts for a regulator. */
  public boolean isRegulator() {
    return regulator;
  }

  /** The query interface: every record's metadata, no payloads. */
  public LedgerQuery query() {
    return query;
  }

  /**
   * Re-verifies the chain from genesis up to the connection's {@link LedgerConnection#height()},
   * each block as the connection serves it, and compares every node's tip with the verified one
   * (a node that lags or forks is listed). Over a {@link io.medledger.node.RemoteConnection} that
   * height is the highest two ledger nodes report, so a lagging or hostile node first in the list
   * cannot stop the replay at its own older tip: its blocks above that tip come from the next node,
   * and it is listed as disagreeing.
   *
   * <p>Each block is checked as it arrives, before the next is asked for, and the first that fails
   * ends the verification: no more than one block past the valid prefix is ever fetched, whatever
   * height the nodes claim. The replay runs in a fresh owner-only directory under {@code
   * java.io.tmpdir} (blocks, RocksDB state, tiles: about the chain's size on disk), deleted
   * afterwards, so the heap it holds does not grow with the chain: a few blocks decoded, at most
   * 64 or 8 MiB of them not yet written, and 8 bytes per block (without RocksDB on the class path
   * the state stays in memory). A block is at most what the connection decodes, and one above the
   * chain's {@link io.medledger.chain.ChainParameters#maxBlockBytes()} is refused. See {@link
   * #verifyChain(Path)} to choose the directory.
   *
   * @throws io.medledger.storage.StoreException if the directory or its stores cannot be written
   * @throws io.medledger.codec.MalformedEncodingException if a node's answer does not decode, or
   *     whatever else the connection throws for a block it cannot serve
   */
  public ChainReport verifyChain() {
    return verifyChain(Path.of(System.getProperty("java.io.tmpdir")));
  }

  /**
   * {@link #verifyChain()}, replaying in a fresh owner-only directory inside {@code scratch} (which
   * must exist; pick a disk with room for the chain, not a RAM-backed {@code /tmp}), deleted
   * afterwards.
   *
   * @throws io.medledger.storage.StoreException if the directory or its stores cannot be written
   */
  public ChainReport verifyChain(Path scratch) {
    LedgerConnection c = session.connection();
    long height = c.height();
    ChainReport r;
    try (ScratchLedger l = ScratchLedger.open(c, scratch)) {
      r = replay(c, l, height + 1, c::block);
    }
    return withTips(c, r);
  }

  /**
   * {@link #verifyChain()}, keeping the replay in {@code directory} (created owner-only if absent)
   * so that the next call with it resumes after the blocks verified there instead of from genesis:
   * for an auditor who verifies the same chain again and again, or a verification cut short. The
   * blocks kept must still be the connection's: its genesis header and its header at the kept tip
   * (or at its own height, if lower) must equal them, otherwise the report is invalid at that
   * height. One verification at a time per directory; what is kept is trusted as this client's
   * own disk (blocks its state had not reached when it stopped are checked again). About the
   * chain's size on disk stays there; delete the directory to start again from genesis.
   *
   * @throws io.medledger.storage.StoreException if the directory is open to other users or another
   *     account's, in use by another verification, or cannot be written
   * @throws io.medledger.chain.LedgerReplayException if a block kept there no longer verifies
   */
  public ChainReport verifyChainResuming(Path directory) {
    LedgerConnection c = session.connection();
    long height = c.height();
    ChainReport r;
    try (ScratchLedger l = ScratchLedger.resume(c, directory)) {
      r = resumed(c, l, height, directory);
    }
    return withTips(c, r);
  }

  /**
   * The report of resuming in {@code l} up to {@code height}: the kept blocks must be the
   * connection's (its genesis, and its header at the kept tip or at {@code height} if lower); the
   * blocks after them are replayed.
   */
  private static ChainReport resumed(LedgerConnection c, ScratchLedger l, long height, Path directory) {
    long kept = l.blocks();
    if (kept == 0) {
      return replay(c, l, height + 1, c::block);
    }
    if (height < 0) {
      return new ChainReport(true, 0, Optional.empty(), Optional.empty(), List.of());
    }
    if (!l.header(0).equals(c.header(0))) {
      return new ChainReport(false, 0, Optional.empty(), Optional.of("the genesis block verified in " + directory + " "
          + l.header(0).hash() + " is not this chain's " + c.header(0).hash()), List.of());
    }
    long at = Math.min(kept - 1, height);
    if (!l.header(at).equals(c.header(at))) {
      return new ChainReport(false, at, Optional.empty(), Optional.of("the header the connection serves at height " + at
          + " is not the one verified in " + directory), List.of());
    }
    if (at < kept - 1) {
      return new ChainReport(true, height + 1, Optional.of(l.header(height).hash()), Optional.empty(), List.of());
    }
    return replay(c, l, height + 1, c::block);
  }

  /** {@code r} with the nodes whose tip differs from its tip. */
  private static ChainReport withTips(LedgerConnection c, ChainReport r) {
    List<String> disagree = new ArrayList<>();
    for (LedgerConnection.ServerTip n : c.serverTips()) {
      if (!n.tipHash().equals(r.tipHash())) {
        disagree.add(n.server() + (n.online() ? " (tip differs)" : " (offline, tip differs)"));
      }
    }
    return new ChainReport(r.valid(), r.blocks(), r.tipHash(), r.problem(), disagree);
  }

  /**
   * Verifies a copy of a chain from genesis (for example one served by a mirror): its genesis
   * block must be this chain's (the header the connection confirms at height 0), then every
   * signature, rule, root and certificate; the first failure is named with its height. The chain
   * id alone does not tell chains apart: it names the chain, and anyone can write a genesis
   * block under that name with servers of their own. Replays on disk as {@link #verifyChain()}
   * does (the list itself is the caller's memory).
   *
   * @throws io.medledger.storage.StoreException if the replay's directory cannot be written
   */
  public ChainReport verify(List<CertifiedBlock> blocks) {
    LedgerConnection c = session.connection();
    try (ScratchLedger l = ScratchLedger.open(c, Path.of(System.getProperty("java.io.tmpdir")))) {
      return replay(c, l, blocks.size(), h -> blocks.get((int) h));
    }
  }

  /**
   * Replays the blocks from {@code l}'s next height to {@code count - 1}, each taken from
   * {@code source} only once the one before it verified, into {@code l}: the genesis block must be
   * the one {@code c} confirms, then every block gets every check, signatures and certificates
   * included.
   */
  private static ChainReport replay(LedgerConnection c, ScratchLedger l, long count, LongFunction<CertifiedBlock> source) {
    for (long h = l.blocks(); h < count; h++) {
      CertifiedBlock b = source.apply(h);
      if (h == 0) {
        Optional<ChainReport> foreign = foreignGenesis(c, b);
        if (foreign.isPresent()) {
          return foreign.get();
        }
      }
      Optional<String> refused = l.append(b);
      if (refused.isPresent()) {
        return new ChainReport(false, h, Optional.empty(),
            Optional.of("stored block at height " + h + " is invalid: " + refused.get()), List.of());
      }
    }
    return new ChainReport(true, l.blocks(), l.tipHash(), Optional.empty(), List.of());
  }

  /** A failed report when {@code genesis} is not the genesis block {@code c} confirms; empty otherwise. */
  private static Optional<ChainReport> foreignGenesis(LedgerConnection c, CertifiedBlock genesis) {
    if (c.height() >= 0 && !genesis.header().equals(c.header(0))) {
      return Optional.of(new ChainReport(false, 0, Optional.empty(), Optional.of("the copy's genesis block "
          + genesis.header().hash() + " is not this chain's " + c.header(0).hash()), List.of()));
    }
    return Optional.empty();
  }

  /** Whether {@code proof} holds against {@code header} and that header is on the verified chain. */
  public boolean verifyInclusion(LedgerInclusionProof proof, BlockHeader header) {
    LedgerConnection c = session.connection();
    return header.height() <= c.height() && c.header(header.height()).equals(header)
        && proof.verify(header);
  }

  /**
   * Verifies an anchor receipt end to end against Bitcoin headers, and that its commitment is to
   * this chain's log at the height it names.
   */
  public ReceiptVerdict verifyReceipt(AnchorReceipt receipt, HeaderSource bitcoinHeaders) {
    var c = receipt.commitment();
    LedgerConnection l = session.connection();
    if (!c.chainId().equals(l.parameters().chainId()) || c.height() > l.height()) {
      return new ReceiptVerdict.Invalid("the commitment is not to this chain");
    }
    BlockHeader h = l.header(c.height());
    if (h.ledgerSize() != c.logSize() || !h.ledgerRoot().equals(c.logRoot())) {
      return new ReceiptVerdict.Invalid("the commitment does not match header " + c.height() + " of this chain");
    }
    return receipt.verify(bitcoinHeaders);
  }

  /**
   * The complete access trail of {@code patient}, checked against the tip: the patient's history
   * proof (no entry omitted) must verify, and every access event is taken from it. The node's index
   * of the patient's access events must list the same ones up to the proof's height (those after it
   * are left out: the index may come from a node a block ahead).
   *
   * @throws UnverifiableAnswerException if the node's history proof does not verify, or its index
   *     lists other access events than the proven history holds (also when the index is older)
   * @throws UnconfirmedAnswerException from a connection to several nodes, if no node answers a
   *     history recent enough or too few nodes confirm its header
   */
  public List<AccessEvent> accessTrail(ParticipantId patient) {
    LedgerConnection c = session.connection();
    PatientHistoryProof proof = c.patientHistory(patient);
    ValidationResult<List<Entry>> v = proof.verify(c.header(proof.height()));
    if (!v.isAccepted()) {
      throw new UnverifiableAnswerException("history of " + patient + " does not verify: " + v.reason());
    }
    List<AccessEvent> out = new ArrayList<>();
    for (Entry e : v.value()) {
      if (e instanceof AccessEvent a) {
        out.add(a);
      }
    }
    List<Digest> indexed = query.accessEvents(patient).stream().filter(h -> h.height() <= proof.height())
        .map(h -> h.entry().id()).toList();
    if (indexed.size() != out.size()) {
      throw new UnverifiableAnswerException("the index lists " + indexed.size() + " access events up to height "
          + proof.height() + ", the proven history " + out.size());
    }
    if (!new java.util.HashSet<>(indexed).equals(new java.util.HashSet<>(out.stream().map(AccessEvent::id).toList()))) {
      throw new UnverifiableAnswerException("the index lists other access events up to height " + proof.height()
          + " than the proven history");
    }
    return out;
  }

  /**
   * Orders the erasure of a record's payload (a regulator's legal order): a
   * {@link io.medledger.chain.RecordErasure} signed by this regulator made final on the ledger (from
   * then on the chain refuses access events for the record and amendments of it), the copies
   * deleted from every storage node and the proxies' fragments of grants scoped to this record
   * destroyed. The patient's grants stay on the ledger (only the patient signs revocations), but
   * no read under them is accepted any more. The ledger keeps the record's digest and pseudonyms.
   *
   * @throws AccessRefusedException unless this client acts for an active regulator, or if there is
   *     no such record
   * @throws RecordErasedException if it is already erased
   * @throws EntryRejectedException if the ledger refuses the erasure (then nothing is deleted)
   */
  public ErasureReport orderErasure(Digest recordId) {
    return Session.await(orderErasureAsync(recordId));
  }

  /** {@link #orderErasure} as a future. */
  public CompletableFuture<ErasureReport> orderErasureAsync(Digest recordId) {
    if (!regulator || !session.isActive(id(), ParticipantKind.REGULATOR)) {
      throw new AccessRefusedException(AccessRight.REGULATOR_ROLE, "only an active regulator orders erasure");
    }
    return Erasures.erase(session, session.record(recordId));
  }

  @Override
  public String toString() {
    return (regulator ? "Regulator" : "Auditor") + "Client[" + id() + "]";
  }
}

package io.medledger.chain;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.crypto.Digest;
import io.medledger.merkle.CompactRange;
import io.medledger.merkle.LeafHashLog;
import io.medledger.merkle.MerkleLog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger state after the last appended block. Mutated only by {@link #apply} under the
 * ledger's write lock; read under its read lock.
 */
final class LedgerState {
  /**
   * A grant's terms (without proxies, key fragments and signatures) with the block time of its
   * revocation ({@code Long.MAX_VALUE} while in force).
   */
  record GrantInfo(Digest id, AccessGrant grant, long height, long revokedAt) {
    GrantInfo revoke(long time) {
      return new GrantInfo(id, grant, height, time);
    }

    boolean revoked() {
      return revokedAt != Long.MAX_VALUE;
    }

    /** Valid at {@code time}: inside the window and before any revocation. */
    boolean inForceAt(long time) {
      return grant.validAt(time) && time < revokedAt;
    }
  }

  /** What validation needs to know about a record. */
  record RecordInfo(Digest id, ParticipantId patient, String resourceType, List<Digest> lineage, long createdAt,
      boolean erased) {
    RecordInfo erase() {
      return new RecordInfo(id, patient, resourceType, lineage, createdAt, true);
    }
  }

  final Map<ParticipantId, Participant> participants = new HashMap<>();
  final Map<Digest, GrantInfo> grants = new HashMap<>();
  final Map<Digest, RecordInfo> records = new HashMap<>();
  final Map<ParticipantId, List<Digest>> grantsByPatient = new HashMap<>();
  final Map<Digest, Long> entryIndex = new HashMap<>();
  final List<ParticipantId> federation = new ArrayList<>();
  final List<ParticipantId> audit = new ArrayList<>();
  final List<ParticipantId> regulators = new ArrayList<>();
  final Map<Digest, SubBlockIndex> subBlocks = new HashMap<>();
  final Map<ParticipantId, Digest> publishedKeys = new HashMap<>();
  /** The listed witnesses, in order of listing. */
  List<Witness> witnesses = List.of();
  /** The witness list after each height that changed it (witness changes are rare). */
  final java.util.TreeMap<Long, List<Witness>> witnessHistory = new java.util.TreeMap<>();
  HeadsTree headsTree = HeadsTree.EMPTY_TREE;
  /** The ledger-wide log: in memory by default, or tiles on disk that may already hold leaves. */
  final LeafHashLog log;
  CompactRange frontier = new CompactRange();
  final List<BlockHeader> headers = new ArrayList<>();
  final QueryIndex index = new QueryIndex();

  LedgerState() {
    this(new MerkleLog());
  }

  LedgerState(LeafHashLog log) {
    this.log = log;
  }

  long height() {
    return headers.size() - 1;
  }

  BlockHeader tip() {
    return headers.isEmpty() ? null : headers.get(headers.size() - 1);
  }

  SubBlockIndex subBlocks(Digest key) {
    return subBlocks.get(key);
  }

  List<ParticipantId> listFor(ParticipantKind role) {
    switch (role) {
      case FEDERATION_SERVER:
        return federation;
      case AUDIT_SERVER:
        return audit;
      case REGULATOR:
        return regulators;
      default:
        throw new IllegalArgumentException("no membership list for " + role);
    }
  }

  /** The witnesses listed after block {@code height}. */
  List<Witness> witnessesAt(long height) {
    Map.Entry<Long, List<Witness>> e = witnessHistory.floorEntry(height);
    return e == null ? List.of() : e.getValue();
  }

  Membership membership() {
    return new Membership(height(), federation.stream().map(participants::get).toList(),
        audit.stream().map(participants::get).toList(), regulators.stream().map(participants::get).toList());
  }

  /** {@code listed} after {@code changes}, in order (an immutable list). */
  static List<Witness> applyWitnessChanges(List<Witness> listed, List<WitnessChange> changes) {
    List<Witness> l = new ArrayList<>(listed);
    for (WitnessChange c : changes) {
      if (c.action() == MembershipChange.Action.ADD) {
        l.add(c.witness());
      } else {
        l.remove(c.witness());
      }
    }
    return List.copyOf(l);
  }

  /** Applies a validated block's effects. */
  void apply(BlockEffects fx) {
    Overlay o = fx.overlay;
    participants.putAll(o.participants);
    for (MembershipChange c : o.membershipChanges) {
      List<ParticipantId> l = listFor(c.role());
      if (c.action() == MembershipChange.Action.ADD) {
        l.add(c.member());
      } else {
        l.remove(c.member());
      }
    }
    if (!o.witnessChanges.isEmpty()) {
      witnesses = applyWitnessChanges(witnesses, o.witnessChanges);
      witnessHistory.put(fx.block.header().height(), witnesses);
    }
    grants.putAll(o.grants);
    records.putAll(o.records);
    publishedKeys.putAll(o.publishedKeys);
    o.newGrantsByPatient.forEach((p, l) -> grantsByPatient.computeIfAbsent(p, k -> new ArrayList<>()).addAll(l));
    long first = fx.block.header().ledgerSize() - fx.block.header().entryCount();
    List<EncodedEntry> entries = fx.block.encodedEntries();
    for (int i = 0; i < entries.size(); i++) {
      EncodedEntry e = entries.get(i);
      Digest leaf = e.leafHash();
      long at = first + i;
      if (at < log.size()) {
        // A durable log reopened with the chain already holds this leaf: check, don't append.
        if (!log.leafHash(at).equals(leaf)) {
          throw new IllegalStateException("the ledger-wide log's leaf " + at + " does not match the chain");
        }
      } else {
        log.appendLeafHash(leaf);
      }
      entryIndex.put(e.id(), first + i);
      index.add(e.entry, first + i);
    }
    frontier = fx.frontier;
    for (int i = 0; i < fx.subBlocks.size(); i++) {
      SubBlockHeader s = fx.subBlocks.get(i);
      subBlocks.computeIfAbsent(s.key(), k -> new SubBlockIndex()).add(s.height(), s.totalEntries(),
          fx.subBlockHashes.get(i));
    }
    headsTree = fx.headsTree;
    headers.add(fx.block.header());
  }
}

package io.medledger.chain;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state as of the parent block plus the effects of the block's entries so far. Reads fall
 * through to the (unmodified) base state. Confined to one validating thread.
 */
final class Overlay {
  final LedgerState base;
  final Map<ParticipantId, Participant> participants = new HashMap<>();
  final Map<Digest, LedgerState.GrantInfo> grants = new HashMap<>();
  final Map<Digest, LedgerState.RecordInfo> records = new HashMap<>();
  final Map<ParticipantId, List<Digest>> newGrantsByPatient = new HashMap<>();
  final Set<Digest> newEntries = new HashSet<>();
  final List<MembershipChange> membershipChanges = new ArrayList<>();
  final Map<ParticipantId, Digest> publishedKeys = new HashMap<>();
  final List<WitnessChange> witnessChanges = new ArrayList<>();
  int federationDelta;

  Overlay(LedgerState base) {
    this.base = base;
  }

  Participant participant(ParticipantId id) {
    Participant p = participants.get(id);
    return p != null ? p : base.participants.get(id);
  }

  /** The participant if it is registered, active and of one of {@code kinds}; else null. */
  Participant active(ParticipantId id, io.medledger.access.ParticipantKind... kinds) {
    Participant p = participant(id);
    if (p == null || !p.active()) {
      return null;
    }
    for (io.medledger.access.ParticipantKind k : kinds) {
      if (p.kind() == k) {
        return p;
      }
    }
    return null;
  }

  LedgerState.GrantInfo grant(Digest id) {
    LedgerState.GrantInfo g = grants.get(id);
    return g != null ? g : base.grants.get(id);
  }

  LedgerState.RecordInfo record(Digest id) {
    LedgerState.RecordInfo r = records.get(id);
    return r != null ? r : base.records.get(id);
  }

  boolean hasEntry(Digest id) {
    return newEntries.contains(id) || base.entryIndex.containsKey(id);
  }

  List<Digest> grantsOf(ParticipantId patient) {
    List<Digest> a = base.grantsByPatient.getOrDefault(patient, List.of());
    List<Digest> b = newGrantsByPatient.getOrDefault(patient, List.of());
    if (b.isEmpty()) {
      return a;
    }
    List<Digest> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** The id of the key publication in force for {@code id}, or null. */
  Digest publishedKey(ParticipantId id) {
    Digest d = publishedKeys.get(id);
    return d != null ? d : base.publishedKeys.get(id);
  }

  /** The listed witnesses, with this block's earlier witness changes applied. */
  List<Witness> witnesses() {
    return witnessChanges.isEmpty() ? base.witnesses : LedgerState.applyWitnessChanges(base.witnesses, witnessChanges);
  }

  int federationSize() {
    return base.federation.size() + federationDelta;
  }
}

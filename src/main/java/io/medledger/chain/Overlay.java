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
  /** This block's key publications so far, by entry id. */
  final Map<Digest, KeyPublication> newPublications = new HashMap<>();
  /** Reads a key publication of the base state back by its entry id. */
  private final java.util.function.Function<Digest, KeyPublication> publications;
  /** What this block's records so far name alone (payloads, capsules), each with its record. */
  final Map<Digest, Digest> claims = new HashMap<>();
  /** Suspensions (true) and reinstatements (false) by this block's entries, in order; the last one counts. */
  final Map<ParticipantId, Boolean> suspension = new java.util.LinkedHashMap<>();
  /** Servers this block reinstated. */
  final Set<ParticipantId> reinstated = new java.util.LinkedHashSet<>();
  final List<WitnessChange> witnessChanges = new ArrayList<>();
  /** Patient registrations each registrar countersigned among this block's entries so far. */
  final Map<ParticipantId, Integer> registrations = new HashMap<>();
  int federationDelta;
  /** The first publishers of keys this block's publications published first, by key ({@link BlockProcessor#keyDigest}). */
  final Map<Digest, LedgerState.KeyOwner> keyOwners = new HashMap<>();
  /** Entry ids known to be absent from the base state ({@link #prefetchEntries}). */
  private Set<Digest> absent = Set.of();
  /** Published keys whose publishers were read from the base state at once ({@link #prefetchEntries}). */
  private Set<Digest> ownersRead = Set.of();
  /** The publishers found among {@link #ownersRead}. */
  private Map<Digest, LedgerState.KeyOwner> ownersFound = Map.of();

  Overlay(LedgerState base, java.util.function.Function<Digest, KeyPublication> publications) {
    this.base = base;
    this.publications = publications;
  }

  /** {@code id} as it stands after this block's entries so far ({@link LedgerState#standing(ParticipantId)}). */
  Participant participant(ParticipantId id) {
    return LedgerState.standing(stored(id), this::stored);
  }

  /** {@code id} as stored after this block's entries so far. */
  Participant stored(ParticipantId id) {
    Participant p = participants.get(id);
    return p != null ? p : base.participant(id);
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

  /** How many of this block's patient registrations so far {@code registrar} countersigned. */
  int registrations(ParticipantId registrar) {
    return registrations.getOrDefault(registrar, 0);
  }

  LedgerState.GrantInfo grant(Digest id) {
    LedgerState.GrantInfo g = grants.get(id);
    return g != null ? g : base.grant(id);
  }

  LedgerState.RecordInfo record(Digest id) {
    LedgerState.RecordInfo r = records.get(id);
    return r != null ? r : base.record(id);
  }

  boolean hasEntry(Digest id) {
    return newEntries.contains(id) || (!absent.contains(id) && base.entryIndex(id) != null);
  }

  /**
   * Reads at once whether the base state has each of {@code entries}, for {@link #hasEntry}, and
   * who published the keys their key publications carry, for {@link #keyOwner}: one batched store
   * read of each instead of one read per entry or key.
   */
  Overlay prefetchEntries(List<EncodedEntry> entries) {
    List<Digest> ids = new ArrayList<>(entries.size());
    Set<Digest> keys = new HashSet<>();
    for (EncodedEntry e : entries) {
      ids.add(e.id());
      if (e.entry instanceof KeyPublication k) {
        keys.add(BlockProcessor.keyDigest(k.encryptionKey()));
        keys.add(BlockProcessor.keyDigest(k.verifyingKey()));
        k.researchKey().ifPresent(r -> keys.add(BlockProcessor.keyDigest(r)));
      }
    }
    absent = base.absentEntries(ids);
    if (!keys.isEmpty()) {
      ownersFound = base.keyOwners(List.copyOf(keys));
      ownersRead = keys;
    }
    return this;
  }

  /** Who published {@code key} ({@link BlockProcessor#keyDigest}) first, or null if no one has. */
  LedgerState.KeyOwner keyOwner(Digest key) {
    LedgerState.KeyOwner w = keyOwners.get(key);
    if (w != null) {
      return w;
    }
    return ownersRead.contains(key) ? ownersFound.get(key) : base.keyOwner(key);
  }

  List<Digest> grantsOf(ParticipantId patient) {
    List<Digest> a = base.grantsOf(patient);
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
    return d != null ? d : base.publishedKey(id);
  }

  /** The key publication in force for {@code id}, or null. */
  KeyPublication publication(ParticipantId id) {
    Digest d = publishedKey(id);
    if (d == null) {
      return null;
    }
    KeyPublication k = newPublications.get(d);
    return k != null ? k : publications.apply(d);
  }

  /** The record that names {@code claim} (a payload or capsule key), or null. */
  Digest claimant(Digest claim) {
    Digest r = claims.get(claim);
    return r != null ? r : base.claimant(claim);
  }

  boolean suspended(ParticipantId id) {
    Boolean s = suspension.get(id);
    return s != null ? s : base.suspended.contains(id);
  }

  /** The height of the block that last reinstated {@code id}, or -1. */
  long reinstatedAt(ParticipantId id) {
    return base.reinstatedAt.getOrDefault(id, -1L);
  }

  /** The listed servers of {@code role} after this block's changes so far, suspended ones left out. */
  List<ParticipantId> serving(io.medledger.access.ParticipantKind role) {
    List<ParticipantId> l = listed(role);
    l.removeIf(this::suspended);
    return l;
  }

  /** The listed servers of {@code role} after this block's changes so far, suspended ones included. */
  List<ParticipantId> listed(io.medledger.access.ParticipantKind role) {
    List<ParticipantId> l = new ArrayList<>(base.listFor(role));
    for (MembershipChange c : membershipChanges) {
      if (c.role() == role && c.action() == MembershipChange.Operation.ADD) {
        l.add(c.member());
      } else if (c.role() == role && c.action() == MembershipChange.Operation.REMOVE) {
        l.remove(c.member());
      }
    }
    return l;
  }

  /** The listed witnesses, with this block's earlier witness changes applied. */
  List<Witness> witnesses() {
    return witnessChanges.isEmpty() ? base.witnesses : LedgerState.applyWitnessChanges(base.witnesses, witnessChanges);
  }

  int federationSize() {
    return base.federation.size() + federationDelta;
  }
}

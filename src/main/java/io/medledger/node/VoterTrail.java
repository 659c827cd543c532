package io.medledger.node;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.Block;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.EvidencePolicy;
import io.medledger.chain.Evidence;
import io.medledger.chain.MembershipChange;
import io.medledger.consensus.Protocols;
import io.medledger.consensus.VoterSet;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The consensus membership a client follows from a trusted starting set through the blocks it has
 * taken as certified: the listed federation and audit servers in order of admission, the servers
 * suspended by evidence, and the heights that reinstated servers. {@link #after} applies a block's
 * membership changes and evidence as the ledger does (additions, removals, reinstatements, and
 * suspensions with the ledger's conditions: not already suspended, not reinstated at or after the
 * offence's height, and not the last serving server of its role).
 *
 * <p>Immutable and thread-safe.
 */
final class VoterTrail {
  private final long height;
  private final List<Ed25519PublicKey> federation;
  private final List<Ed25519PublicKey> audit;
  private final Set<ParticipantId> suspended;
  private final Map<ParticipantId, Long> reinstatedAt;

  private VoterTrail(long height, List<Ed25519PublicKey> federation, List<Ed25519PublicKey> audit,
      Set<ParticipantId> suspended, Map<ParticipantId, Long> reinstatedAt) {
    this.height = height;
    this.federation = List.copyOf(federation);
    this.audit = List.copyOf(audit);
    this.suspended = Set.copyOf(suspended);
    this.reinstatedAt = Map.copyOf(reinstatedAt);
  }

  /**
   * The trusted starting point: {@code federation} and {@code audit} servers (each key once, in the
   * order given), none suspended, as the membership after genesis (height 0).
   */
  static VoterTrail trusted(List<Ed25519PublicKey> federation, List<Ed25519PublicKey> audit) {
    return new VoterTrail(0, new ArrayList<>(new LinkedHashSet<>(federation)),
        new ArrayList<>(new LinkedHashSet<>(audit)), Set.of(), Map.of());
  }

  /** The height of the last block applied (0 for the trusted starting point). */
  long height() {
    return height;
  }

  /**
   * The voters whose precommits certify the next block under protocol {@code protocol}: the
   * serving (listed and not suspended) federation servers, or audit servers under
   * {@code rotating-audit}; empty while no federation server serves.
   */
  List<Ed25519PublicKey> voters(String protocol) {
    List<Ed25519PublicKey> fed = serving(federation, suspended::contains);
    if (fed.isEmpty()) {
      return List.of();
    }
    return Protocols.voters(protocol, new VoterSet(fed, serving(audit, suspended::contains)));
  }

  /**
   * The serving (listed and not suspended) federation servers, in the order followed: the
   * configured ones first, then those governance added. They are the ledger's re-encryption
   * proxies, as a node lists them ({@code Membership.federationKeys()}), up to order.
   */
  List<Ed25519PublicKey> federation() {
    return serving(federation, suspended::contains);
  }

  private static List<Ed25519PublicKey> serving(List<Ed25519PublicKey> listed,
      java.util.function.Predicate<ParticipantId> out) {
    return listed.stream().filter(k -> !out.test(ParticipantId.of(k))).toList();
  }

  /**
   * The same membership as of block {@code h}: the blocks after {@link #height()} up to it
   * changed nothing.
   *
   * @throws IllegalArgumentException if {@code h} is below {@link #height()}
   */
  VoterTrail through(long h) {
    if (h < height) {
      throw new IllegalArgumentException("height " + h + " is below " + height);
    }
    return new VoterTrail(h, federation, audit, suspended, reinstatedAt);
  }

  /**
   * The trail after block {@code block}, above {@link #height()} (the blocks between changed
   * nothing), whose entries hold its membership changes and evidence in block order; evidence is
   * read with {@code params}' evidence policy.
   *
   * @throws IllegalArgumentException if the block is not above {@link #height()}
   */
  VoterTrail after(Block block, ChainParameters params) {
    return after(block.header().height(), block.entries(), params);
  }

  /**
   * As {@link #after(Block, ChainParameters)}, for the block at height {@code h} whose entries, in
   * block order, include {@code entries} (the others changed no membership).
   *
   * @throws IllegalArgumentException if {@code h} is not above {@link #height()}
   */
  VoterTrail after(long h, List<Entry> entries, ChainParameters params) {
    if (h <= height) {
      throw new IllegalArgumentException("block " + h + " does not follow height " + height);
    }
    List<Ed25519PublicKey> fed = new ArrayList<>(federation);
    List<Ed25519PublicKey> aud = new ArrayList<>(audit);
    Map<ParticipantId, Boolean> suspension = new LinkedHashMap<>();
    Set<ParticipantId> reinstated = new LinkedHashSet<>();
    java.util.function.Predicate<ParticipantId> suspendedNow = id -> suspension.getOrDefault(id, suspended.contains(id));
    for (Entry e : entries) {
      if (e instanceof MembershipChange m) {
        List<Ed25519PublicKey> l = m.role() == ParticipantKind.FEDERATION_SERVER ? fed
            : m.role() == ParticipantKind.AUDIT_SERVER ? aud : null;
        ParticipantId id = m.member();
        switch (m.action()) {
          case ADD -> {
            if (l != null && !l.contains(m.memberKey())) {
              l.add(m.memberKey());
            }
          }
          case REMOVE -> {
            if (l != null) {
              l.remove(m.memberKey());
            }
            if (suspendedNow.test(id)) {
              suspension.put(id, false);
            }
          }
          case REINSTATE -> {
            suspension.put(id, false);
            reinstated.add(id);
          }
        }
      } else if (e instanceof Evidence v) {
        suspend(v, params, h, fed, aud, suspendedNow, reinstated).ifPresent(id -> suspension.put(id, true));
      }
    }
    Set<ParticipantId> nowSuspended = new HashSet<>(suspended);
    suspension.forEach((id, s) -> {
      if (s) {
        nowSuspended.add(id);
      } else {
        nowSuspended.remove(id);
      }
    });
    Map<ParticipantId, Long> nowReinstated = new HashMap<>(reinstatedAt);
    reinstated.forEach(id -> nowReinstated.put(id, h));
    return new VoterTrail(h, fed, aud, nowSuspended, nowReinstated);
  }

  /** The server evidence {@code v} in block {@code h} suspends, if any, as the ledger decides it. */
  private Optional<ParticipantId> suspend(Evidence v, ChainParameters params, long h, List<Ed25519PublicKey> fed,
      List<Ed25519PublicKey> aud, java.util.function.Predicate<ParticipantId> suspendedNow, Set<ParticipantId> reinstated) {
    Optional<EvidencePolicy.Offence> offence = params.evidencePolicy().offence(params.chainId(), v.firstMessage(),
        v.secondMessage());
    ParticipantId id = v.accused();
    if (offence.isEmpty()) {
      return Optional.empty();
    }
    long forgivenUpTo = reinstated.contains(id) ? h : reinstatedAt.getOrDefault(id, -1L);
    if (suspendedNow.test(id) || forgivenUpTo >= offence.get().height()) {
      return Optional.empty();
    }
    for (List<Ed25519PublicKey> listed : List.of(fed, aud)) {
      List<ParticipantId> serving = serving(listed, suspendedNow).stream().map(ParticipantId::of).toList();
      if (serving.contains(id) && serving.size() > 1) {
        return Optional.of(id);
      }
    }
    return Optional.empty();
  }
}

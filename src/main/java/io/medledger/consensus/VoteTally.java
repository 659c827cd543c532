package io.medledger.consensus;

import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;

/**
 * The prevotes and precommits of one height, by round and block hash: the first vote of each
 * voter per kind and round counts (a second, of any hash, is ignored); quorums are read off in a
 * fixed order and assembled into {@link QuorumCertificate}s. Signatures are checked before votes get
 * here. Not thread-safe.
 */
final class VoteTally {
  private final TreeMap<Integer, Map<Digest, TreeMap<Integer, byte[]>>> prevotes = new TreeMap<>();
  private final TreeMap<Integer, Map<Digest, TreeMap<Integer, byte[]>>> precommits = new TreeMap<>();
  private final Set<Long> votedPrevote = new HashSet<>();
  private final Set<Long> votedPrecommit = new HashSet<>();

  private TreeMap<Integer, Map<Digest, TreeMap<Integer, byte[]>>> of(StatementKind kind) {
    if (kind == StatementKind.PREVOTE) {
      return prevotes;
    } else if (kind == StatementKind.PRECOMMIT) {
      return precommits;
    }
    throw new IllegalArgumentException("not a vote kind: " + kind);
  }

  /** Counts a prevote or precommit; false when that voter already voted this kind at this round. */
  boolean add(StatementKind kind, int round, Digest hash, int voter, byte[] sig) {
    boolean pre = kind == StatementKind.PREVOTE;
    TreeMap<Integer, Map<Digest, TreeMap<Integer, byte[]>>> votes = of(kind);
    long slot = ((long) round << 16) | voter;
    if (!(pre ? votedPrevote : votedPrecommit).add(slot)) {
      return false;
    }
    votes.computeIfAbsent(round, x -> new HashMap<>()).computeIfAbsent(hash, x -> new TreeMap<>()).put(voter, sig);
    return true;
  }

  /** Counts a signed vote. */
  boolean add(ConsensusMessage.Vote v) {
    Statement st = v.statement();
    return add(st.kind(), st.round(), st.hash(), v.voter(), v.sigRaw());
  }

  /** The rounds with votes of {@code kind}, ascending. */
  NavigableSet<Integer> rounds(StatementKind kind) {
    return of(kind).navigableKeySet();
  }

  /** The hashes with at least {@code quorum} votes of {@code kind} at {@code round}, in a fixed order. */
  List<Digest> quorumHashes(StatementKind kind, int round, int quorum) {
    Map<Digest, TreeMap<Integer, byte[]>> m = of(kind).get(round);
    List<Digest> result = new ArrayList<>();
    if (m != null) {
      for (Map.Entry<Digest, TreeMap<Integer, byte[]>> e : m.entrySet()) {
        if (e.getValue().size() >= quorum) {
          result.add(e.getKey());
        }
      }
    }
    return result;
  }

  /** The number of votes of {@code kind} for {@code hash} at {@code round}. */
  int count(StatementKind kind, int round, Digest hash) {
    Map<Digest, TreeMap<Integer, byte[]>> m = of(kind).get(round);
    TreeMap<Integer, byte[]> sigs = m == null ? null : m.get(hash);
    return sigs == null ? 0 : sigs.size();
  }

  /** The certificate of the votes of {@code kind} for {@code hash} at (height, round), signers ascending. */
  QuorumCertificate certificate(StatementKind kind, long height, int round, Digest hash) {
    TreeMap<Integer, byte[]> sigs = of(kind).get(round).get(hash);
    List<QuorumCertificate.VoterSignature> list = new ArrayList<>(sigs.size());
    for (Map.Entry<Integer, byte[]> e : sigs.entrySet()) {
      list.add(new QuorumCertificate.VoterSignature(e.getKey(), e.getValue()));
    }
    return new QuorumCertificate(new Statement(kind, height, round, hash, -1), list);
  }

  /** True when no vote is held. */
  boolean isEmpty() {
    return prevotes.isEmpty() && precommits.isEmpty();
  }

  /** The number of votes held. */
  int size() {
    return votedPrevote.size() + votedPrecommit.size();
  }

  /** Forgets every vote (a new height). */
  void clear() {
    prevotes.clear();
    precommits.clear();
    votedPrevote.clear();
    votedPrecommit.clear();
  }
}

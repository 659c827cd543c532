package io.medledger.chain;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.crypto.Ed25519PublicKey;
import java.util.List;

/**
 * The active federation servers, audit servers and regulators as of one height, each list in
 * order of admission (a deterministic order for bookkeeper rotation). Servers suspended by
 * evidence are left out of the server lists (they neither propose nor vote, and quorums are
 * computed without them) and listed in {@code suspended} until governance reinstates them.
 *
 * <p>Immutable and thread-safe.
 *
 * @param height the height this membership holds after (-1 before genesis)
 * @param federationServers active federation servers
 * @param auditServers active audit servers
 * @param regulators active regulators
 * @param suspended suspended servers, in id order
 */
public record Membership(long height, List<Participant> federationServers, List<Participant> auditServers,
    List<Participant> regulators, List<Participant> suspended) {

  /** Copies the lists. */
  public Membership {
    federationServers = List.copyOf(federationServers);
    auditServers = List.copyOf(auditServers);
    regulators = List.copyOf(regulators);
    suspended = List.copyOf(suspended);
  }

  /** Governance quorum of {@code n} members: more than two thirds, {@code floor(2n/3)+1}. */
  public static int quorum(int n) {
    return 2 * n / 3 + 1;
  }

  /** Signatures needed from federation servers for a governance entry. */
  public int governanceQuorum() {
    return federationServers.isEmpty() ? 0 : quorum(federationServers.size());
  }

  /** Signatures needed from audit servers for a block certificate. */
  public int auditQuorum() {
    return auditServers.isEmpty() ? 0 : quorum(auditServers.size());
  }

  /** The federation servers' keys, in order. */
  public List<Ed25519PublicKey> federationKeys() {
    return federationServers.stream().map(Participant::publicKey).toList();
  }

  /** The audit servers' keys, in order. */
  public List<Ed25519PublicKey> auditKeys() {
    return auditServers.stream().map(Participant::publicKey).toList();
  }

  /** Whether {@code id} is a suspended server. */
  public boolean isSuspended(ParticipantId id) {
    return suspended.stream().anyMatch(p -> p.id().equals(id));
  }

  /** Whether {@code id} is an active federation server (not suspended). */
  public boolean isFederationServer(ParticipantId id) {
    return federationServers.stream().anyMatch(p -> p.id().equals(id));
  }

  /** Whether {@code id} is an active audit server (not suspended). */
  public boolean isAuditServer(ParticipantId id) {
    return auditServers.stream().anyMatch(p -> p.id().equals(id));
  }
}

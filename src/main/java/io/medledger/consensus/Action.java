package io.medledger.consensus;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import java.time.Duration;
import java.util.Objects;

/** An output of a {@link ConsensusProtocol}, carried out by its driver in order. Immutable values. */
public sealed interface Action {
  /** Send {@code message} to one peer. */
  record Send(Ed25519PublicKey to, ConsensusMessage message) implements Action {
    /** Checks that no field is null. */
    public Send {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(message, "message");
    }
  }

  /** Send {@code message} to every other participant. */
  record Broadcast(ConsensusMessage message) implements Action {
    /** Checks that no field is null. */
    public Broadcast {
      Objects.requireNonNull(message, "message");
    }
  }

  /** Deliver {@link Event.TimerFired} with {@code timer} after {@code delay} of local time. */
  record SetTimer(TimerId timer, Duration delay) implements Action {
    /** Checks that no field is null. */
    public SetTimer {
      Objects.requireNonNull(timer, "timer");
      Objects.requireNonNull(delay, "delay");
    }
  }

  /**
   * A block became final and the protocol has already committed it durably through
   * {@link ConsensusApp#commit}; this reports it to observers.
   */
  record Committed(long height, Digest blockHash, Ed25519PublicKey bookkeeper, int entries,
      QuorumCertificate certificate) implements Action {
    /** Checks that no required component is null. */
    public Committed {
      java.util.Objects.requireNonNull(blockHash, "blockHash");
      java.util.Objects.requireNonNull(bookkeeper, "bookkeeper");
      java.util.Objects.requireNonNull(certificate, "certificate");
    }
  }

  /** Conflicting signed statements by one server were seen; the app may put it on the ledger. */
  record EvidenceFound(Equivocation evidence) implements Action {
    /** Checks that no required component is null. */
    public EvidenceFound {
      java.util.Objects.requireNonNull(evidence, "evidence");
    }
  }

  /** This node refused a proposal; the reason explains the auditor's refusal ({@code proposer} may be null when unknown). */
  record ProposalRejected(long height, int round, Digest blockHash, Ed25519PublicKey proposer,
      String reason) implements Action {
    /** Checks that no required component is null. */
    public ProposalRejected {
      java.util.Objects.requireNonNull(blockHash, "blockHash");
      java.util.Objects.requireNonNull(reason, "reason");
    }
  }
}

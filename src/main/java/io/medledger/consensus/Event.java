package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.Objects;

/** An input to a {@link ConsensusProtocol}. Immutable values. */
public sealed interface Event {
  /** The node (re)started: the protocol loads its durable state and announces itself. */
  record Start() implements Event {}

  /** A client submitted an encoded entry to this node. */
  record EntrySubmitted(byte[] entry) implements Event {
    public EntrySubmitted {
      entry = Objects.requireNonNull(entry, "entry").clone();
    }

    @Override
    public byte[] entry() {
      return entry.clone();
    }

    byte[] raw() {
      return entry;
    }
  }

  /**
   * Bytes arrived from a peer. {@code from} is the transport's claim only; the protocol trusts
   * the signature inside, and drops undecodable or forged messages.
   */
  record MessageReceived(Ed25519PublicKey from, byte[] bytes) implements Event {
    public MessageReceived {
      Objects.requireNonNull(bytes, "bytes");
    }

    /** The received bytes (shared, not copied: treat as read-only). */
    @Override
    public byte[] bytes() {
      return bytes;
    }
  }

  /** A timer the protocol set has fired. */
  record TimerFired(TimerId timer) implements Event {
    public TimerFired {
      Objects.requireNonNull(timer, "timer");
    }
  }

  /** A block and its certificate obtained out of band (state sync, a backup). */
  record BlockDelivered(byte[] block, QuorumCertificate certificate) implements Event {
    public BlockDelivered {
      block = Objects.requireNonNull(block, "block").clone();
      Objects.requireNonNull(certificate, "certificate");
    }

    @Override
    public byte[] block() {
      return block.clone();
    }
  }
}

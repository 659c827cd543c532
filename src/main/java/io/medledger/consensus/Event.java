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
   * Bytes arrived from a peer, named by the transport, which must have authenticated it (as the
   * node runtime's mutually authenticated TLS does). Signed messages are checked against the
   * signature inside, and undecodable or forged ones are dropped; an unsigned
   * {@link ConsensusMessage.EntryBatch} is taken on {@code from}'s word, within its quota, since
   * each entry in it is signed by its own author.
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

package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.Arrays;
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

    /** Equal when the entries' bytes are equal. */
    @Override
    public boolean equals(Object o) {
      return o instanceof EntrySubmitted e && Arrays.equals(entry, e.entry);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(entry);
    }

    @Override
    public String toString() {
      return "EntrySubmitted[bytes=" + entry.length + "]";
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

    /** Equal when the senders and the bytes are equal. */
    @Override
    public boolean equals(Object o) {
      return o instanceof MessageReceived m && Objects.equals(from, m.from) && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
      return 31 * Objects.hashCode(from) + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "MessageReceived[from=" + from + ", bytes=" + bytes.length + "]";
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

    /** Equal when the blocks' bytes and the certificates are equal. */
    @Override
    public boolean equals(Object o) {
      return o instanceof BlockDelivered b && Arrays.equals(block, b.block) && certificate.equals(b.certificate);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(block) + certificate.hashCode();
    }

    @Override
    public String toString() {
      return "BlockDelivered[bytes=" + block.length + ", certificate=" + certificate + "]";
    }
  }
}

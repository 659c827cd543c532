package io.medledger.anchor;

import io.medledger.crypto.Digest;

/** Something that happened to an anchor during {@link Anchorer#tick()}. Immutable. */
public sealed interface AnchorEvent {
  /** The anchor this event is about, as it is after the event. */
  AnchorRecord anchor();

  /** A transaction was sent (first time, again, or as a fee bump). */
  record Sent(AnchorRecord anchor, Digest txid, boolean feeBump) implements AnchorEvent {
    /** Checks that no required component is null. */
    public Sent {
      java.util.Objects.requireNonNull(anchor, "anchor");
      java.util.Objects.requireNonNull(txid, "txid");
    }
  }

  /** The latest transaction was seen in the mempool. */
  record SeenInMempool(AnchorRecord anchor) implements AnchorEvent {
    /** Checks that no required component is null. */
    public SeenInMempool {
      java.util.Objects.requireNonNull(anchor, "anchor");
    }
  }

  /** The anchor confirmed or gained confirmations. */
  record Confirmed(AnchorRecord anchor, int confirmations) implements AnchorEvent {
    /** Checks that no required component is null. */
    public Confirmed {
      java.util.Objects.requireNonNull(anchor, "anchor");
    }
  }

  /** A reorganization dropped the confirming block; the anchor is unconfirmed again. */
  record Reorganized(AnchorRecord anchor, Digest droppedBlock) implements AnchorEvent {
    /** Checks that no required component is null. */
    public Reorganized {
      java.util.Objects.requireNonNull(anchor, "anchor");
      java.util.Objects.requireNonNull(droppedBlock, "droppedBlock");
    }
  }

  /** The anchor reached the required confirmations: record it on the ledger, complete its receipts. */
  record Final(AnchorRecord anchor) implements AnchorEvent {
    /** Checks that no required component is null. */
    public Final {
      java.util.Objects.requireNonNull(anchor, "anchor");
    }
  }

  /** The network or the wallet failed; the anchor stays where it was and the next tick tries again. */
  record Failed(AnchorRecord anchor, String reason) implements AnchorEvent {
    /** Checks that no required component is null. */
    public Failed {
      java.util.Objects.requireNonNull(anchor, "anchor");
      java.util.Objects.requireNonNull(reason, "reason");
    }
  }
}

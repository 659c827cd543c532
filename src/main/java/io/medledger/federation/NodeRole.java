package io.medledger.federation;

/** The consensus role a node plays. Thread-safe (an enum). */
public enum NodeRole {
  /** A federation server: takes its turn as bookkeeper and runs a re-encryption proxy (class A by default). */
  FEDERATION,
  /** An audit server: validates every proposed block and countersigns valid ones (class B by default). */
  AUDIT,
  /** Follows the chain and answers queries; takes no part in consensus. */
  OBSERVER
}

package io.medledger.node;

import java.util.Locale;

/**
 * What a node process is for its institution. Thread-safe (an enum).
 */
public enum ServerRole {
  /** A federation server: takes its turn as bookkeeper and runs a re-encryption proxy. */
  FEDERATION,
  /** An audit server: validates and countersigns every block. */
  AUDIT,
  /** A storage node: follows the chain (no vote) and keeps encrypted payloads. */
  STORAGE;

  /** The configuration label ({@code federation}, {@code audit}, {@code storage}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The role labelled {@code label}.
   *
   * @throws IllegalArgumentException for any other text
   */
  public static ServerRole ofLabel(String label) {
    for (ServerRole r : values()) {
      if (r.label().equals(label)) {
        return r;
      }
    }
    throw new IllegalArgumentException("must be one of federation, audit, storage");
  }
}

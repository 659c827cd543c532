package io.medledger.consensus;

import java.util.Arrays;
import java.util.Objects;

/**
 * The consensus protocols this library ships, each with the name used in configuration files.
 * A third-party protocol implements {@link ConsensusProtocol} directly and needs no kind.
 */
public enum ProtocolKind {
  /** Federation servers take turns proposing; audit servers vote ({@link RotatingAuditProtocol}). */
  ROTATING_AUDIT(RotatingAuditProtocol.NAME),
  /** Every federation server proposes in turn and votes ({@link BftProtocol}). */
  BFT(BftProtocol.NAME),
  /** One federation server orders and certifies alone ({@link SoloProtocol}). */
  SOLO(SoloProtocol.NAME);

  private final String configName;

  ProtocolKind(String configName) {
    this.configName = configName;
  }

  /** The name in configuration files and on the command line, for example {@code rotating-audit}. */
  public String configName() {
    return configName;
  }

  /**
   * The kind whose {@link #configName()} is {@code name}.
   *
   * @throws IllegalArgumentException for an unknown name; the message lists the known ones
   */
  public static ProtocolKind fromConfigName(String name) {
    Objects.requireNonNull(name, "name");
    for (ProtocolKind k : values()) {
      if (k.configName.equals(name)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown consensus protocol '" + name + "'; known: "
        + Arrays.stream(values()).map(ProtocolKind::configName).toList());
  }
}

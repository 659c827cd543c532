package io.medledger.consensus;

import java.util.List;

/** Chooses a protocol by its configured name. Stateless; thread-safe. */
public final class Protocols {
  private Protocols() {}

  /** The registered protocol names. */
  public static List<String> names() {
    return List.of(RotatingAuditProtocol.NAME, BftProtocol.NAME, SoloProtocol.NAME);
  }

  /**
   * A new instance of the protocol called {@code name}.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static <B> ConsensusProtocol create(String name, ConsensusApp<B> app, ConsensusContext ctx,
      ConsensusConfig config) {
    return switch (name) {
      case RotatingAuditProtocol.NAME -> new RotatingAuditProtocol<>(app, ctx, config);
      case BftProtocol.NAME -> new BftProtocol<>(app, ctx, config);
      case SoloProtocol.NAME -> new SoloProtocol<>(app, ctx, config);
      default -> throw new IllegalArgumentException("unknown consensus protocol '" + name + "'; known: " + names());
    };
  }

  /** The voters whose precommits certify blocks under protocol {@code name}. */
  public static List<io.medledger.crypto.Ed25519PublicKey> voters(String name, VoterSet m) {
    return name.equals(RotatingAuditProtocol.NAME) ? m.auditors() : m.federation();
  }
}

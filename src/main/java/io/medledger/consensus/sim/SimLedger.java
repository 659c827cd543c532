package io.medledger.consensus.sim;

import io.medledger.consensus.QuorumCertificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator's durable block store: committed blocks with their certificates, which survive a
 * simulated crash (the protocol and application objects are rebuilt over it). Not thread-safe.
 */
public final class SimLedger {
  private final List<SimBlock> blocks = new ArrayList<>();
  private final List<QuorumCertificate> certificates = new ArrayList<>();

  /** The number of committed blocks. */
  public long size() {
    return blocks.size();
  }

  /** The block at {@code height} (1-based). */
  public SimBlock block(long height) {
    return blocks.get((int) (height - 1));
  }

  /** The certificate of the block at {@code height}. */
  public QuorumCertificate certificate(long height) {
    return certificates.get((int) (height - 1));
  }

  void append(SimBlock b, QuorumCertificate c) {
    blocks.add(b);
    certificates.add(c);
  }
}

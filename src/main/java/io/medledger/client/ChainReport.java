package io.medledger.client;

import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Optional;

/**
 * An auditor's verdict on a chain: every block re-validated from genesis with every signature,
 * every authorization rule, every root and every certificate (against the audit servers of its
 * parent), and whether the nodes agree on the tip.
 *
 * <p>Immutable and thread-safe.
 *
 * @param valid whether the whole chain verified
 * @param blocks how many blocks verified
 * @param tipHash the verified tip's header hash (empty if the chain is empty or invalid)
 * @param problem the first failure, naming the height and the rule
 * @param disagreeingNodes nodes whose tip differs from the verified one (lagging or forked)
 */
public record ChainReport(boolean valid, long blocks, Optional<Digest> tipHash, Optional<String> problem,
    List<String> disagreeingNodes) {
  /** Copies the list. */
  public ChainReport {
    disagreeingNodes = List.copyOf(disagreeingNodes);
  }
}

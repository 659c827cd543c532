package io.medledger.node;

import io.medledger.internal.Json;
import java.util.Objects;

/**
 * A snapshot of a node: what {@code bin/medledger node status} prints. Immutable.
 *
 * @param role the node's role
 * @param ledgerKey the node's ledger key, hex
 * @param height the committed height (0 = genesis only)
 * @param tip the tip block's header hash, hex
 * @param entries entries on the ledger
 * @param peersConnected authenticated peer connections now ({@code -1} when read from a stopped node's data directory)
 * @param peersConfigured peers in the configuration
 * @param pendingSubmissions submissions waiting to become final on this node
 * @param running whether this was read from a running node
 */
public record NodeStatus(ServerRole role, String ledgerKey, long height, String tip, long entries, int peersConnected,
    int peersConfigured, int pendingSubmissions, boolean running) {
  /** Checks for nulls. */
  public NodeStatus {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(ledgerKey, "ledgerKey");
    Objects.requireNonNull(tip, "tip");
  }

  /** One JSON object on one line. */
  public String toJson() {
    return Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("role", role.label());
      g.writeStringField("ledger_key", ledgerKey);
      g.writeNumberField("height", height);
      g.writeStringField("tip", tip);
      g.writeNumberField("entries", entries);
      g.writeNumberField("peers_connected", peersConnected);
      g.writeNumberField("peers_configured", peersConfigured);
      g.writeNumberField("pending_submissions", pendingSubmissions);
      g.writeBooleanField("running", running);
      g.writeEndObject();
    });
  }
}

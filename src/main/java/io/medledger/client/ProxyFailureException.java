package io.medledger.client;

import io.medledger.MedLedgerException;
import io.medledger.access.ParticipantId;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One or more re-encryption proxies failed: down, holding no fragment, or answering with a
 * fragment that does not verify. {@link #failures()} names each failing proxy with its reason;
 * the failures are also logged. Not a refusal: a refusal is an {@link AccessRefusedException}.
 */
public class ProxyFailureException extends MedLedgerException {
  private static final long serialVersionUID = 1L;
  private final transient Map<ParticipantId, String> failures;

  /** Creates the exception; {@code failures} maps each failing proxy to what went wrong. */
  public ProxyFailureException(String message, Map<ParticipantId, String> failures) {
    super(message + ": " + describe(failures));
    this.failures = Map.copyOf(Objects.requireNonNull(failures, "failures"));
  }

  /** The failing proxies and what went wrong with each. */
  public Map<ParticipantId, String> failures() {
    return failures;
  }

  /** The failing proxies. */
  public List<ParticipantId> proxies() {
    return failures.keySet().stream().sorted().toList();
  }

  private static String describe(Map<ParticipantId, String> failures) {
    StringBuilder b = new StringBuilder();
    failures.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> b.append(b.length() == 0 ? "" : "; ").append("proxy ").append(e.getKey()).append(": ")
            .append(e.getValue()));
    return b.toString();
  }
}

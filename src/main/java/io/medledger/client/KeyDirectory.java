package io.medledger.client;

import io.medledger.access.ParticipantId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where participants publish their Umbral public keys, so that a patient can make key fragments
 * for a grantee and proxies can check them. Only self-signed cards are accepted, and a published
 * card cannot be replaced by a different one, except once by a patient's card that adds a research
 * key and keeps the other keys ({@link KeyCard#addsResearchKeyTo}).
 *
 * <p>Thread-safe.
 */
public final class KeyDirectory {
  private final Map<ParticipantId, KeyCard> cards = new ConcurrentHashMap<>();

  /** An empty directory. */
  public KeyDirectory() {}

  /**
   * Publishes {@code card}.
   *
   * @throws IllegalArgumentException if its signature does not verify, or another card is
   *     already published for the same id that {@code card} does not upgrade with a research key
   */
  public void publish(KeyCard card) {
    if (!card.verify()) {
      throw new IllegalArgumentException("key card signature does not verify for " + card.id());
    }
    KeyCard prev = cards.merge(card.id(), card, (in, next) -> next.addsResearchKeyTo(in) ? next : in);
    if (!prev.equals(card)) {
      throw new IllegalArgumentException("a different key card is already published for " + card.id());
    }
  }

  /** The card of {@code id}, if published. */
  public Optional<KeyCard> lookup(ParticipantId id) {
    return Optional.ofNullable(cards.get(id));
  }
}

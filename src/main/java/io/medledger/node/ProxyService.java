package io.medledger.node;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.AccessScope;
import io.medledger.chain.Block;
import io.medledger.chain.Entry;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.Ledger;
import io.medledger.chain.RecordErasure;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.KeyCard;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.PeerBudget;
import io.medledger.internal.ProxyRules;
import io.medledger.pre.EncryptedKeyFrag;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.GrantKeyMaterial;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.PublicKey;
import io.medledger.pre.ReEncryptionProxy;
import io.medledger.pre.SecretKey;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A federation server's re-encryption proxy, rebuilt from the ledger: on start it replays every
 * block, and on each commit it takes the key fragments of grants that name this server as a proxy,
 * using the owner's and grantee's keys published on the ledger ({@link KeyPublication}) or, failing
 * that, their self-signed key cards published to this node; grants whose parties have published
 * neither wait. Revocations drop fragments, and so does the erasure of the one record a grant is
 * scoped to (whoever ordered it). Fragments live on the ledger encrypted to this proxy's
 * key, and decrypted only in memory, so nothing secret about them is written to disk; closing
 * wipes them. Thread-safe (synchronized).
 */
final class ProxyService {
  private static final System.Logger LOG = System.getLogger(ProxyService.class.getName());
  /** Re-encryptions one remote client may ask for per second, sustained. */
  static final int REENCRYPTIONS_PER_SECOND = 32;
  /** Re-encryptions one remote client may ask for at once, before its rate applies. */
  static final int REENCRYPTION_BURST = 64;
  /** Clients whose re-encryption budgets are tracked; beyond them, clients still refilling share one. */
  static final int TRACKED_CLIENTS = 4096;
  /** Most fragment problems remembered (oldest forgotten first). */
  private static final int MAX_PROBLEMS = 10_000;

  private final Ledger ledger;
  private final ParticipantId self;
  private final ReEncryptionProxy proxy;
  private final NodeMetrics metrics;
  private final Function<ParticipantId, Optional<KeyCard>> cards;
  /** Grants waiting for their parties' keys, with those parties. */
  private final Map<Digest, Parties> waiting = new LinkedHashMap<>();
  /** The same grants by party (patient and grantee), so a party's new keys retry only its own. */
  private final Map<ParticipantId, Set<Digest>> waitingFor = new HashMap<>();
  private final Map<Digest, String> problems = new LinkedHashMap<>();
  /**
   * The grants naming this proxy whose scope is exactly one record, by that record, until they are
   * revoked or the record is erased (so at most the patients' unrevoked grants, not every grant ever
   * made).
   */
  private final Map<Digest, Set<Digest>> scopedTo = new HashMap<>();
  /** The same grants, each with its record, so that a revocation finds its grant in {@link #scopedTo}. */
  private final Map<Digest, Digest> scopeOf = new HashMap<>();
  private final LongSupplier millis;
  /** Set by {@link #close}: no fragment is taken any more. */
  private boolean closed;
  /** Each remote client's re-encryptions; guarded by itself. */
  private final PeerBudget<ParticipantId> budget = new PeerBudget<>(REENCRYPTIONS_PER_SECOND, REENCRYPTION_BURST,
      TRACKED_CLIENTS);

  ProxyService(Ledger ledger, ParticipantId self, SecretKey key, NodeMetrics metrics,
      Function<ParticipantId, Optional<KeyCard>> cards) {
    this(ledger, self, key, metrics, cards, () -> Math.floorDiv(System.nanoTime(), 1_000_000L));
  }

  /** As above, with the monotonic clock (milliseconds) that refills the remote clients' budgets. */
  ProxyService(Ledger ledger, ParticipantId self, SecretKey key, NodeMetrics metrics,
      Function<ParticipantId, Optional<KeyCard>> cards, LongSupplier millis) {
    this.millis = millis;
    this.ledger = ledger;
    this.self = self;
    this.proxy = new ReEncryptionProxy(self.toHex(), key);
    this.metrics = metrics;
    this.cards = cards;
  }

  /** The two parties of a grant, whose keys it needs. */
  private record Parties(ParticipantId patient, ParticipantId grantee) {}

  /** Replays blocks 0..height. */
  synchronized void replay() {
    for (long h = 0; h <= ledger.height(); h++) {
      onBlock(ledger.block(h).block());
    }
  }

  /** Takes the effects of a committed block. */
  synchronized void onBlock(Block b) {
    Set<ParticipantId> published = new LinkedHashSet<>();
    for (Entry e : b.entries()) {
      if (e instanceof AccessGrant g && g.proxies().contains(self)) {
        onlyRecord(g).ifPresent(r -> {
          scopedTo.computeIfAbsent(r, k -> new LinkedHashSet<>()).add(g.id());
          scopeOf.put(g.id(), r);
        });
        take(g);
      } else if (e instanceof RecordErasure x) {
        for (Digest g : scopedTo.getOrDefault(x.record(), Set.of())) {
          stopWaiting(g);
          proxy.revoke(g.toHex());
          scopeOf.remove(g);
        }
        scopedTo.remove(x.record());
      } else if (e instanceof AccessRevocation r) {
        stopWaiting(r.grant());
        proxy.revoke(r.grant().toHex());
        unscope(r.grant());
      } else if (e instanceof KeyPublication k) {
        published.add(k.participant());
      }
    }
    published.forEach(this::retryWaiting);
  }

  /**
   * {@code party} published keys (on the ledger, or a key card to this node): the grants waiting
   * for keys that name it as patient or grantee are tried again, and no other (the cost of a
   * publication does not grow with what other participants granted).
   */
  synchronized void retryWaiting(ParticipantId party) {
    for (Digest id : List.copyOf(waitingFor.getOrDefault(party, Set.of()))) {
      ledger.grant(id).filter(g -> ledger.isGrantActive(id, System.currentTimeMillis())).ifPresentOrElse(this::take,
          () -> stopWaiting(id));
    }
  }

  private void startWaiting(AccessGrant g) {
    waiting.put(g.id(), new Parties(g.patient(), g.grantee()));
    waitingFor.computeIfAbsent(g.patient(), k -> new LinkedHashSet<>()).add(g.id());
    waitingFor.computeIfAbsent(g.grantee(), k -> new LinkedHashSet<>()).add(g.id());
  }

  private void stopWaiting(Digest grant) {
    Parties p = waiting.remove(grant);
    if (p != null) {
      for (ParticipantId party : List.of(p.patient(), p.grantee())) {
        Set<Digest> ids = waitingFor.get(party);
        if (ids != null && ids.remove(grant) && ids.isEmpty()) {
          waitingFor.remove(party);
        }
      }
    }
  }

  /** Forgets that revoked {@code grant} is scoped to one record: an erasure of it has nothing left to drop. */
  private void unscope(Digest grant) {
    Digest record = scopeOf.remove(grant);
    if (record != null) {
      Set<Digest> ids = scopedTo.get(record);
      if (ids != null && ids.remove(grant) && ids.isEmpty()) {
        scopedTo.remove(record);
      }
    }
  }

  /**
   * The Umbral encryption key, fragment-verifying key and research key (null if none) of
   * {@code id}: ledger first, then cards.
   */
  private Optional<PublicKey[]> keys(ParticipantId id) {
    Optional<KeyPublication> p = ledger.publishedKeys(id);
    if (p.isPresent()) {
      return Optional.of(new PublicKey[] {p.get().encryptionPublicKey(), p.get().verifyingPublicKey(),
          p.get().researchPublicKey().orElse(null)});
    }
    return cards.apply(id).filter(KeyCard::verify)
        .map(c -> new PublicKey[] {c.encryptionKey(), c.verifyingKey(), c.researchKey().orElse(null)});
  }

  /** The record {@code g} is scoped to, if its scope is exactly one record. */
  private static Optional<Digest> onlyRecord(AccessGrant g) {
    List<Digest> r = g.scope().records();
    return g.scope().kind() == AccessScope.Kind.RECORDS && r.size() == 1 ? Optional.of(r.get(0)) : Optional.empty();
  }

  /**
   * Wipes and drops every fragment the proxy holds, for good: the node is closing. The key stays
   * usable, as it is the node's (the same keys may start a node again).
   */
  synchronized void close() {
    closed = true;
    proxy.revokeAll();
  }

  private void take(AccessGrant g) {
    if (closed) {
      return;
    }
    if (onlyRecord(g).filter(ledger::isErased).isPresent()) {
      stopWaiting(g.id()); // replayed before the erasure that drops it, or granted after it: never taken
      return;
    }
    Optional<PublicKey[]> owner = keys(g.patient());
    Optional<PublicKey[]> grantee = keys(g.grantee());
    if (owner.isEmpty() || grantee.isEmpty()) {
      startWaiting(g);
      return;
    }
    stopWaiting(g.id());
    try {
      List<EncryptedKeyFrag> frags = new ArrayList<>();
      for (ByteString f : g.keyFragments()) {
        frags.add(EncryptedKeyFrag.fromBytes(f.toByteArray()));
      }
      // a research grant delegates from the patient's research key if it published one: its
      // fragments verify only against that key, and re-encrypt only the copies sealed to it
      PublicKey delegating = g.purpose() == Purpose.RESEARCH && owner.get()[2] != null ? owner.get()[2] : owner.get()[0];
      proxy.acceptGrant(g.id().toHex(), GrantKeyMaterial.of(g.threshold(), frags), owner.get()[1], delegating,
          grantee.get()[0]);
      metrics.proxyFragment(true);
    } catch (EnvelopeException | IllegalArgumentException | MalformedEncodingException ex) {
      metrics.proxyFragment(false);
      if (problems.size() >= MAX_PROBLEMS) {
        problems.remove(problems.keySet().iterator().next());
      }
      problems.put(g.id(), String.valueOf(ex.getMessage()));
      LOG.log(Level.WARNING, () -> "grant " + g.id() + ": cannot take the key fragment: " + ex.getMessage());
    }
  }

  /** Whether the proxy holds a fragment for {@code grant}. */
  synchronized boolean holds(Digest grant) {
    return proxy.holds(grant.toHex());
  }

  /** Why the proxy refused the fragment of {@code grant}, if it did. */
  synchronized Optional<String> problem(Digest grant) {
    return Optional.ofNullable(problems.get(grant));
  }

  /** How many grants are remembered as scoped to one record, for an erasure of it to drop. */
  synchronized int scopedGrants() {
    return scopeOf.size();
  }

  /** Whether {@code grant} waits for its parties' keys. */
  synchronized boolean isWaiting(Digest grant) {
    return waiting.containsKey(grant);
  }

  /**
   * Whether remote client {@code client} may ask for one more re-encryption now, charging it if so:
   * each client gets {@link #REENCRYPTIONS_PER_SECOND} a second after a burst of
   * {@link #REENCRYPTION_BURST}, whatever the others ask.
   */
  boolean spend(ParticipantId client) {
    synchronized (budget) {
      if (!budget.allows(client, millis.getAsLong())) {
        return false;
      }
      budget.charge(client, 1);
      return true;
    }
  }

  /**
   * Re-encrypts for a final access event as {@link ProxyRules#check} allows; when
   * {@code requester} is given (a remote client), it must be the event's reader.
   *
   * @throws AccessRefusedException naming the missing right
   * @throws io.medledger.client.RecordErasedException if the record is erased
   * @throws EnvelopeException if this proxy holds no fragment of the grant or the record no capsule,
   *     or its server is no longer an active, unsuspended federation server of the ledger
   */
  ProxyResponse reencrypt(Digest accessEventId, Optional<ParticipantId> requester) {
    long t0 = System.nanoTime();
    boolean ok = false;
    try {
      io.medledger.chain.Membership m = ledger.membership();
      if (m.isSuspended(self) || m.federationServers().stream().noneMatch(s -> s.id().equals(self) && s.active())) {
        throw new EnvelopeException("proxy " + self + " is not an active federation server of the ledger, so it"
            + " re-encrypts nothing", self.toString(), null);
      }
      ProxyRules.Permit p = ProxyRules.check(ledger, accessEventId, System.currentTimeMillis(), self.toString());
      if (requester.isPresent() && !requester.get().equals(p.event().accessor())) {
        throw new AccessRefusedException(AccessRight.GRANTEE, "access event " + accessEventId + " is not "
            + requester.get() + "'s own");
      }
      ProxyResponse r;
      synchronized (this) {
        r = proxy.reencrypt(p.grant().id().toHex(), p.capsule());
      }
      ok = true;
      return r;
    } finally {
      metrics.proxyReencryption(System.nanoTime() - t0, ok);
    }
  }
}

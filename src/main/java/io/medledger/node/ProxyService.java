package io.medledger.node;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.AccessScope;
import io.medledger.chain.AffiliateRemoval;
import io.medledger.chain.Block;
import io.medledger.chain.Entry;
import io.medledger.chain.InstitutionRemoval;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.Ledger;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A federation server's re-encryption proxy, rebuilt from the ledger: on start it replays every
 * block, and on each commit it takes the key fragments of grants that name this server as a proxy,
 * using the owner's and grantee's keys published on the ledger ({@link KeyPublication}) or, failing
 * that, their self-signed key cards published to this node; grants whose parties have published
 * neither wait. Revocations drop fragments and waiting grants, and so do the erasure of the one
 * record a grant is scoped to (whoever ordered it), the end of a grant's validity (by block time)
 * and the removal of its grantee. At most a bound of grants waiting for one grantee's keys are
 * held; the others are read back from the ledger when that grantee's keys come. Fragments live on the ledger encrypted to this proxy's
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
  /**
   * Most grants held waiting for one grantee's keys: many patients may grant to one party that
   * never publishes keys; the grants beyond are read back from the ledger when it does.
   */
  static final int MAX_WAITING_PER_GRANTEE = 1024;
  /** Ledger grants read at once when a grantee's grants are read back. */
  private static final int GRANT_PAGE = 256;
  /** Most fragment problems remembered (oldest forgotten first). */
  private static final int MAX_PROBLEMS = 10_000;

  private final Ledger ledger;
  private final ParticipantId self;
  private final ReEncryptionProxy proxy;
  private final NodeMetrics metrics;
  private final Function<ParticipantId, Optional<KeyCard>> cards;
  /** Grants waiting for their parties' keys, with those parties. */
  private final Map<Digest, Parties> waiting = new LinkedHashMap<>();
  /** The same grants by the party (patient, grantee or both) whose keys they lack, so a party's new keys retry only its own. */
  private final Map<ParticipantId, Set<Digest>> waitingFor = new HashMap<>();
  /** Grantees some of whose grants waiting for their keys were not held (over the bound): read back when the keys come. */
  private final Set<ParticipantId> overflowed = new HashSet<>();
  /** When each grant waiting or whose fragment is held stops being valid, and the same by time. */
  private final Map<Digest, Long> validUntil = new HashMap<>();
  private final TreeSet<Expiry> expiries = new TreeSet<>(
      Comparator.comparingLong(Expiry::notAfter).thenComparing(Expiry::grant));
  private final int maxWaitingPerGrantee;
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
    this(ledger, self, key, metrics, cards, millis, MAX_WAITING_PER_GRANTEE);
  }

  /** As above, holding at most {@code maxWaitingPerGrantee} grants waiting for one grantee's keys. */
  ProxyService(Ledger ledger, ParticipantId self, SecretKey key, NodeMetrics metrics,
      Function<ParticipantId, Optional<KeyCard>> cards, LongSupplier millis, int maxWaitingPerGrantee) {
    if (maxWaitingPerGrantee < 1) {
      throw new IllegalArgumentException("maxWaitingPerGrantee must be positive");
    }
    this.maxWaitingPerGrantee = maxWaitingPerGrantee;
    this.millis = millis;
    this.ledger = ledger;
    this.self = self;
    this.proxy = new ReEncryptionProxy(self.toHex(), key);
    this.metrics = metrics;
    this.cards = cards;
  }

  /** The two parties of a grant, whose keys it needs. */
  private record Parties(ParticipantId patient, ParticipantId grantee) {}

  /** A grant, and the end of its validity. */
  private record Expiry(long notAfter, Digest grant) {}

  /** Replays blocks 0..height. */
  synchronized void replay() {
    for (long h = 0; h <= ledger.height(); h++) {
      onBlock(ledger.block(h).block());
    }
  }

  /** Takes the effects of a committed block. */
  synchronized void onBlock(Block b) {
    Set<ParticipantId> published = new LinkedHashSet<>();
    List<ParticipantId> removed = new ArrayList<>(0);
    boolean institutionRemoved = false;
    for (Entry e : b.entries()) {
      if (e instanceof AccessGrant g && g.proxies().contains(self)) {
        onlyRecord(g).ifPresent(r -> {
          scopedTo.computeIfAbsent(r, k -> new LinkedHashSet<>()).add(g.id());
          scopeOf.put(g.id(), r);
        });
        take(g);
      } else if (e instanceof RecordErasure x) {
        for (Digest g : List.copyOf(scopedTo.getOrDefault(x.record(), Set.of()))) {
          drop(g);
        }
      } else if (e instanceof AccessRevocation r) {
        drop(r.grant());
      } else if (e instanceof KeyPublication k) {
        published.add(k.participant());
        if (k.researchKey().isPresent()) {
          retakeResearchGrants(k.participant());
        }
      } else if (e instanceof AffiliateRemoval x) {
        removed.add(x.member());
      } else if (e instanceof InstitutionRemoval x) {
        removed.add(x.institution());
        institutionRemoved = true;
      }
    }
    removed.forEach(this::dropGrantsTo);
    if (institutionRemoved) {
      dropGrantsToRemovedGrantees();
    }
    for (Expiry x; !expiries.isEmpty() && (x = expiries.first()).notAfter() <= b.header().timestamp(); ) {
      drop(x.grant());
    }
    published.forEach(this::retryWaiting);
  }

  /**
   * {@code patient} published a research key: the fragments held of its research grants are taken
   * again, now verified against that key, so those made before from the main key are given up
   * (with a problem naming why) and no longer re-encrypt anything.
   */
  private void retakeResearchGrants(ParticipantId patient) {
    PageRequest page = PageRequest.first(GRANT_PAGE);
    while (true) {
      Page<AccessGrant> p = ledger.grantsByPatient(patient, page);
      for (var h : p.items()) {
        Digest id = h.entry().id();
        if (h.entry().purpose() == Purpose.RESEARCH && proxy.holds(id.toHex())) {
          proxy.revoke(id.toHex());
          ledger.grant(id).ifPresent(this::take);
        }
      }
      if (p.nextCursor().isEmpty()) {
        return;
      }
      page = page.after(p.nextCursor().getAsLong());
    }
  }

  /** Drops what is held about {@code grant}: waiting, fragment, scope and validity. */
  private void drop(Digest grant) {
    stopWaiting(grant);
    proxy.revoke(grant.toHex());
    unscope(grant);
    untrack(grant);
  }

  private void untrack(Digest grant) {
    Long until = validUntil.remove(grant);
    if (until != null) {
      expiries.remove(new Expiry(until, grant));
    }
  }

  /** Governance removed {@code member}: its grants that wait or whose fragments are held go (it can never be a party again). */
  private void dropGrantsTo(ParticipantId member) {
    overflowed.remove(member);
    List.copyOf(waitingFor.getOrDefault(member, Set.of())).forEach(this::drop);
    forEachGrantTo(member, g -> {
      if (validUntil.containsKey(g.id())) {
        drop(g.id());
      }
    });
  }

  /**
   * Governance removed an institution, and with it its clinicians and researchers: the grants
   * waiting or held whose grantee the ledger now lists as removed go, as for a removed affiliate.
   */
  private void dropGrantsToRemovedGrantees() {
    Set<ParticipantId> grantees = new LinkedHashSet<>();
    waiting.values().forEach(p -> grantees.add(p.grantee()));
    for (Digest id : List.copyOf(validUntil.keySet())) {
      ledger.grant(id).ifPresent(g -> grantees.add(g.grantee()));
    }
    grantees.addAll(overflowed);
    for (ParticipantId p : grantees) {
      if (ledger.participant(p).filter(x -> !x.active()).isPresent()) {
        dropGrantsTo(p);
      }
    }
  }

  /** Each grant the ledger records to {@code grantee}, read a page at a time. */
  private void forEachGrantTo(ParticipantId grantee, Consumer<AccessGrant> action) {
    PageRequest page = PageRequest.first(GRANT_PAGE);
    while (true) {
      Page<AccessGrant> p = ledger.grantsByGrantee(grantee, page);
      p.items().forEach(h -> action.accept(h.entry()));
      if (p.nextCursor().isEmpty()) {
        return;
      }
      page = page.after(p.nextCursor().getAsLong());
    }
  }

  private void track(AccessGrant g) {
    Long before = validUntil.put(g.id(), g.notAfter());
    if (before == null) {
      expiries.add(new Expiry(g.notAfter(), g.id()));
    }
  }

  /**
   * {@code party} published keys (on the ledger, or a key card to this node): the grants waiting
   * for keys that name it as patient or grantee are tried again, and no other (the cost of a
   * publication does not grow with what other participants granted).
   */
  synchronized void retryWaiting(ParticipantId party) {
    if (overflowed.remove(party)) {
      long now = System.currentTimeMillis();
      forEachGrantTo(party, g -> {
        if (g.proxies().contains(self) && !validUntil.containsKey(g.id()) && !problems.containsKey(g.id())
            && ledger.isGrantActive(g.id(), now)) {
          take(g);
        }
      });
    }
    for (Digest id : List.copyOf(waitingFor.getOrDefault(party, Set.of()))) {
      ledger.grant(id).filter(g -> ledger.isGrantActive(id, System.currentTimeMillis())).ifPresentOrElse(this::take,
          () -> drop(id));
    }
  }

  /**
   * {@code g} waits for the keys of its patient, its grantee or both; one that would make more than
   * the bound wait for its grantee is not held, and is read back from the ledger when the grantee's
   * keys come.
   */
  private void startWaiting(AccessGrant g, boolean patientLacks, boolean granteeLacks) {
    stopWaiting(g.id());
    if (granteeLacks && waitingFor.getOrDefault(g.grantee(), Set.of()).size() >= maxWaitingPerGrantee) {
      overflowed.add(g.grantee());
      untrack(g.id()); // still scoped, should it be read back
      return;
    }
    waiting.put(g.id(), new Parties(g.patient(), g.grantee()));
    track(g);
    if (patientLacks) {
      waitingFor.computeIfAbsent(g.patient(), k -> new LinkedHashSet<>()).add(g.id());
    }
    if (granteeLacks) {
      waitingFor.computeIfAbsent(g.grantee(), k -> new LinkedHashSet<>()).add(g.id());
    }
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
      drop(g.id()); // replayed before the erasure that drops it, or granted after it: never taken
      return;
    }
    Optional<PublicKey[]> owner = keys(g.patient());
    Optional<PublicKey[]> grantee = keys(g.grantee());
    if (owner.isEmpty() || grantee.isEmpty()) {
      startWaiting(g, owner.isEmpty(), grantee.isEmpty());
      return;
    }
    stopWaiting(g.id());
    // a research grant delegates from the patient's research key if it published one: its
    // fragments verify only against that key, and re-encrypt only the copies sealed to it
    PublicKey delegating = g.purpose() == Purpose.RESEARCH && owner.get()[2] != null ? owner.get()[2] : owner.get()[0];
    try {
      List<EncryptedKeyFrag> frags = new ArrayList<>();
      for (ByteString f : g.keyFragments()) {
        frags.add(EncryptedKeyFrag.fromBytes(f.toByteArray()));
      }
      proxy.acceptGrant(g.id().toHex(), GrantKeyMaterial.of(g.threshold(), frags), owner.get()[1], delegating,
          grantee.get()[0]);
      track(g);
      metrics.proxyFragment(true);
    } catch (EnvelopeException | IllegalArgumentException | MalformedEncodingException ex) {
      metrics.proxyFragment(false);
      if (problems.size() >= MAX_PROBLEMS) {
        problems.remove(problems.keySet().iterator().next());
      }
      problems.put(g.id(), delegating == owner.get()[2] && delegating != null
          ? "research grant " + g.id() + " was not made from the research key " + g.patient() + " published (made"
              + " before it added one?): it re-encrypts nothing; the patient must grant again (" + ex.getMessage() + ")"
          : String.valueOf(ex.getMessage()));
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

  /** How many grants wait for their parties' keys. */
  synchronized int waitingGrants() {
    return waiting.size();
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
        String problem = problems.get(p.grant().id());
        if (problem != null && !proxy.holds(p.grant().id().toHex())) {
          throw new EnvelopeException("proxy " + self + " holds no fragment of grant " + p.grant().id() + ": " + problem,
              self.toString(), null);
        }
        r = proxy.reencrypt(p.grant().id().toHex(), p.capsule());
      }
      ok = true;
      return r;
    } finally {
      metrics.proxyReencryption(System.nanoTime() - t0, ok);
    }
  }
}

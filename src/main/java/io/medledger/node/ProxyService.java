package io.medledger.node;

import io.medledger.access.ParticipantId;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.Block;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.Ledger;
import io.medledger.chain.MedicalRecord;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.pre.Capsule;
import io.medledger.pre.EncryptedKeyFrag;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.GrantKeyMaterial;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.ReEncryptionProxy;
import io.medledger.pre.SecretKey;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A federation server's re-encryption proxy, rebuilt from the ledger: on start it replays every
 * block, and on each commit it takes the key fragments of grants that name this server as a proxy,
 * using the owner's and grantee's keys published on the ledger ({@link KeyPublication}); grants
 * whose parties have not published yet wait for their publications. Revocations drop fragments.
 * Fragments live on the ledger encrypted to this proxy's key, and decrypted only in memory, so
 * nothing secret about them is written to disk. Thread-safe (synchronized).
 */
final class ProxyService {
  private static final System.Logger LOG = System.getLogger(ProxyService.class.getName());

  private final Ledger ledger;
  private final ParticipantId self;
  private final ReEncryptionProxy proxy;
  private final NodeMetrics metrics;
  private final Set<Digest> waiting = new LinkedHashSet<>();

  ProxyService(Ledger ledger, ParticipantId self, SecretKey key, NodeMetrics metrics) {
    this.ledger = ledger;
    this.self = self;
    this.proxy = new ReEncryptionProxy(self.toHex(), key);
    this.metrics = metrics;
  }

  /** Replays blocks 0..height. */
  synchronized void replay() {
    for (long h = 0; h <= ledger.height(); h++) {
      onBlock(ledger.block(h).block());
    }
  }

  /** Takes the effects of a committed block. */
  synchronized void onBlock(Block b) {
    boolean published = false;
    for (Entry e : b.entries()) {
      if (e instanceof AccessGrant g && g.proxies().contains(self)) {
        take(g);
      } else if (e instanceof AccessRevocation r) {
        waiting.remove(r.grant());
        proxy.revoke(r.grant().toHex());
      } else if (e instanceof KeyPublication) {
        published = true;
      }
    }
    if (published && !waiting.isEmpty()) {
      for (Digest id : new ArrayList<>(waiting)) {
        ledger.grant(id).ifPresent(this::take);
      }
    }
  }

  private void take(AccessGrant g) {
    Optional<KeyPublication> owner = ledger.publishedKeys(g.patient());
    Optional<KeyPublication> grantee = ledger.publishedKeys(g.grantee());
    if (owner.isEmpty() || grantee.isEmpty()) {
      waiting.add(g.id());
      return;
    }
    waiting.remove(g.id());
    try {
      List<EncryptedKeyFrag> frags = new ArrayList<>();
      for (ByteString f : g.keyFragments()) {
        frags.add(EncryptedKeyFrag.fromBytes(f.toByteArray()));
      }
      proxy.acceptGrant(g.id().toHex(), GrantKeyMaterial.of(g.threshold(), frags), owner.get().verifyingPublicKey(),
          owner.get().encryptionPublicKey(), grantee.get().encryptionPublicKey());
      metrics.proxyFragment(true);
    } catch (EnvelopeException | IllegalArgumentException | MalformedEncodingException ex) {
      metrics.proxyFragment(false);
      LOG.log(Level.WARNING, () -> "grant " + g.id() + ": cannot take the key fragment: " + ex.getMessage());
    }
  }

  /** Whether the proxy holds a fragment for {@code grant}. */
  synchronized boolean holds(Digest grant) {
    return proxy.holds(grant.toHex());
  }

  /**
   * Re-encrypts for a final access event under an active, unrevoked grant of an unerased record.
   *
   * @throws NodeException with reason REFUSED naming the rule that refuses it
   */
  ProxyResponse reencrypt(Digest accessEventId) {
    long t0 = System.nanoTime();
    boolean ok = false;
    try {
      Entry e = entry(accessEventId).orElseThrow(() -> refuse("no final access event " + accessEventId));
      if (!(e instanceof AccessEvent ev) || ev.grant().isEmpty()) {
        throw refuse(accessEventId + " is not an access event under a grant");
      }
      Digest grant = ev.grant().get();
      if (!ledger.isGrantActive(grant, System.currentTimeMillis())) {
        throw refuse("grant " + grant + " is revoked or expired");
      }
      if (ledger.isErased(ev.record())) {
        throw refuse("record " + ev.record() + " is erased");
      }
      MedicalRecord rec = (MedicalRecord) entry(ev.record()).orElseThrow(() -> refuse("no record " + ev.record()));
      Capsule capsule;
      try {
        capsule = Capsule.fromBytes(rec.encryptionMetadata().toByteArray());
      } catch (IllegalArgumentException | MalformedEncodingException ex) {
        throw refuse("record " + rec.id() + " carries no re-encryption capsule");
      }
      ProxyResponse r;
      synchronized (this) {
        r = proxy.reencrypt(grant.toHex(), capsule);
      }
      ok = true;
      return r;
    } catch (EnvelopeException ex) {
      throw refuse(ex.getMessage());
    } finally {
      metrics.proxyReencryption(System.nanoTime() - t0, ok);
    }
  }

  private Optional<Entry> entry(Digest id) {
    Optional<EntryLocation> loc = ledger.locate(id);
    return loc.map(l -> ledger.block(l.height()).block().entries().get(l.indexInBlock()));
  }

  private static SubmissionRefusedException refuse(String why) {
    return new SubmissionRefusedException(SubmissionRefusedException.Cause.RULE, why);
  }
}

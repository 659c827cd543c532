package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A re-encryption proxy, run by a federation server: it decrypts and verifies the key fragments
 * addressed to it, re-encrypts capsules for granted access, and discards a grant's fragment when
 * the grant is revoked. It never sees a data key or a payload. Re-encryption multiplies
 * attacker-chosen capsules by the fragment's secret scalars in constant time. Which grants a
 * capsule may be re-encrypted under (purpose, reader role, de-identified copy) is decided by the
 * caller ({@code network.Node}), against its ledger. Thread-safe.
 */
public final class ReEncryptionProxy implements javax.security.auth.Destroyable {
  private final String id;
  private final SecretKey key;
  private final Map<String, VerifiedKeyFrag> grants = new ConcurrentHashMap<>();

  /** Creates a proxy named {@code id} holding {@code key}. */
  public ReEncryptionProxy(String id, SecretKey key) {
    this.id = Objects.requireNonNull(id, "id");
    this.key = Objects.requireNonNull(key, "key");
  }

  /** The proxy's identifier. */
  public String id() {
    return id;
  }

  /** The key its fragments are encrypted to. */
  public ProxyKey proxyKey() {
    return new ProxyKey(id, key.publicKey());
  }

  /**
   * Takes this proxy's fragment of a grant: decrypts it and verifies it was made by the owner
   * ({@code ownerVerifyingKey}) for re-encryption from {@code owner} to {@code grantee}.
   *
   * @throws EnvelopeException if the fragment is not for this proxy, does not decrypt or does not verify
   */
  public void acceptGrant(String grantId, GrantKeyMaterial material, PublicKey ownerVerifyingKey,
      PublicKey owner, PublicKey grantee) throws EnvelopeException {
    EncryptedKeyFrag mine = material.fragmentFor(id)
        .orElseThrow(() -> new EnvelopeException("grant " + grantId + " has no fragment for proxy " + id, id, null));
    byte[] raw;
    try {
      raw = Umbral.decryptOriginal(key, mine.capsule(), mine.ciphertext());
    } catch (DecryptionException e) {
      throw new EnvelopeException("the fragment for proxy " + id + " does not decrypt: " + e.getMessage(), id, e);
    }
    KeyFrag kfrag;
    try {
      kfrag = KeyFrag.fromBytes(raw);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new EnvelopeException("the fragment for proxy " + id + " is malformed", id, e);
    } finally {
      java.util.Arrays.fill(raw, (byte) 0);
    }
    Verification<VerifiedKeyFrag> v = kfrag.verify(ownerVerifyingKey, owner, grantee);
    if (!v.isVerified()) {
      kfrag.destroy();
      throw new EnvelopeException("the fragment for proxy " + id + " does not verify: "
          + v.failure().orElseThrow().description(), id, null);
    }
    VerifiedKeyFrag replaced = grants.put(grantId, v.verified().orElseThrow());
    if (replaced != null) {
      replaced.destroy();
    }
  }

  /**
   * Re-encrypts {@code capsule} under grant {@code grantId}.
   *
   * @throws EnvelopeException if this proxy holds no fragment for the grant (never granted, revoked,
   *     or destroyed, also while this call runs)
   */
  public ProxyResponse reencrypt(String grantId, Capsule capsule) throws EnvelopeException {
    VerifiedKeyFrag k = grants.get(grantId);
    if (k == null) {
      throw new EnvelopeException("proxy " + id + " holds no key fragment for grant " + grantId
          + " (never granted or revoked)", id, null);
    }
    VerifiedCapsuleFrag out;
    try {
      out = Umbral.reencrypt(capsule, k);
    } catch (IllegalStateException e) {
      out = null;
    }
    if (out == null || k.isDestroyed()) {
      // revoked (and wiped) while this call ran: the share may have been zeroed mid-computation
      throw new EnvelopeException("proxy " + id + " holds no key fragment for grant " + grantId
          + " (revoked or destroyed)", id, null);
    }
    return new ProxyResponse(id, out.unverify());
  }

  /**
   * Discards and wipes the fragment of a revoked grant; returns whether one was held. A
   * re-encryption already running under that grant then fails with {@link EnvelopeException}.
   */
  public boolean revoke(String grantId) {
    VerifiedKeyFrag k = grants.remove(grantId);
    if (k == null) {
      return false;
    }
    k.destroy();
    return true;
  }

  /**
   * Discards and wipes every fragment held, as {@link #revoke} does each, and keeps the proxy's key
   * (for a server that stops serving while the key is still its owner's to use); returns how many
   * were held.
   */
  public int revokeAll() {
    int n = 0;
    for (String grantId : List.copyOf(grants.keySet())) {
      if (revoke(grantId)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Wipes and drops every fragment and destroys the proxy's secret key (the one given to the
   * constructor).
   */
  @Override
  public void destroy() {
    revokeAll();
    key.destroy();
  }

  @Override
  public boolean isDestroyed() {
    return key.isDestroyed();
  }

  /** Whether this proxy holds a fragment for {@code grantId}. */
  public boolean holds(String grantId) {
    return grants.containsKey(grantId);
  }

  @Override
  public String toString() {
    return "ReEncryptionProxy[" + id + ", grants=" + grants.size() + "]";
  }
}

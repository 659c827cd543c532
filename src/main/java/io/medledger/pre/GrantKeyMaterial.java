package io.medledger.pre;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a patient publishes to delegate access to one grantee: {@code n} key fragments of the
 * re-encryption key from the patient to the grantee, each encrypted to one proxy, any
 * {@code threshold} of which suffice. Immutable and thread-safe.
 */
public final class GrantKeyMaterial {
  private final int threshold;
  private final List<EncryptedKeyFrag> fragments;

  private GrantKeyMaterial(int threshold, List<EncryptedKeyFrag> fragments) {
    this.threshold = threshold;
    this.fragments = List.copyOf(fragments);
  }

  /** Equal when the thresholds and the encrypted fragments, in order, are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof GrantKeyMaterial g && threshold == g.threshold && fragments.equals(g.fragments);
  }

  @Override
  public int hashCode() {
    return 31 * threshold + fragments.hashCode();
  }

  /**
   * Splits the re-encryption key from {@code owner} to {@code grantee} among {@code proxies} with
   * threshold {@code threshold}, signing the fragments with {@code ownerSigner}, and encrypts each
   * fragment to its proxy.
   *
   * @throws IllegalArgumentException if proxy ids repeat or the threshold is not in [1, n]
   */
  public static GrantKeyMaterial create(SecretKey owner, Signer ownerSigner, PublicKey grantee,
      List<ProxyKey> proxies, int threshold, EntropySource rng) {
    Objects.requireNonNull(rng, "rng");
    Set<String> ids = new HashSet<>();
    for (ProxyKey p : proxies) {
      if (!ids.add(p.proxyId())) {
        throw new IllegalArgumentException("duplicate proxy id " + p.proxyId());
      }
    }
    if (threshold < 1 || threshold > proxies.size()) {
      throw new IllegalArgumentException("threshold must be between 1 and the number of proxies (" + proxies.size() + ")");
    }
    List<VerifiedKeyFrag> kfrags =
        Umbral.generateKFrags(owner, grantee, ownerSigner, threshold, proxies.size(), true, true, rng);
    List<EncryptedKeyFrag> out = new ArrayList<>();
    for (int i = 0; i < proxies.size(); i++) {
      ProxyKey p = proxies.get(i);
      byte[] plain = kfrags.get(i).toBytes();
      try {
        EncryptionResult enc = Umbral.encrypt(p.publicKey(), plain, rng);
        out.add(new EncryptedKeyFrag(p.proxyId(), enc.capsule(), enc.ciphertext()));
      } finally {
        java.util.Arrays.fill(plain, (byte) 0);
      }
    }
    kfrags.forEach(VerifiedKeyFrag::destroy);
    return new GrantKeyMaterial(threshold, out);
  }

  /** {@link #create(SecretKey, Signer, PublicKey, List, int, EntropySource)} with secure randomness. */
  public static GrantKeyMaterial create(SecretKey owner, Signer ownerSigner, PublicKey grantee,
      List<ProxyKey> proxies, int threshold) {
    return create(owner, ownerSigner, grantee, proxies, threshold, EntropySource.secure());
  }

  /** Rebuilds grant material read from the ledger. */
  public static GrantKeyMaterial of(int threshold, List<EncryptedKeyFrag> fragments) {
    if (threshold < 1 || threshold > fragments.size()) {
      throw new IllegalArgumentException("threshold must be between 1 and the number of fragments");
    }
    return new GrantKeyMaterial(threshold, fragments);
  }

  /** How many proxies must answer. */
  public int threshold() {
    return threshold;
  }

  /** The encrypted fragments, one per proxy. */
  public List<EncryptedKeyFrag> fragments() {
    return fragments;
  }

  /** The fragment for {@code proxyId}, if that proxy is part of the grant. */
  public Optional<EncryptedKeyFrag> fragmentFor(String proxyId) {
    return fragments.stream().filter(f -> f.proxyId().equals(proxyId)).findFirst();
  }

  @Override
  public String toString() {
    return "GrantKeyMaterial[" + threshold + " of " + fragments.size() + "]";
  }
}

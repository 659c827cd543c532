package io.medledger.pre;

import java.security.SecureRandom;

/** {@link EntropySource#secure()}: one {@link SecureRandom} per thread (a cache, not shared state). */
final class SecureEntropy implements EntropySource {
  static final SecureEntropy INSTANCE = new SecureEntropy();

  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

  private SecureEntropy() {}

  @Override
  public void nextBytes(byte[] out) {
    RANDOM.get().nextBytes(out);
  }

  @Override
  public String toString() {
    return "EntropySource.secure()";
  }
}

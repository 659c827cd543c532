package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/**
 * The decoder's per-thread cache of validated signer keys: a key decoded for the first time is
 * the key (not a cache artefact), a repeated one comes from the cache, and a stream of distinct
 * keys (hostile input can name as many as it likes) keeps the cache at its bound of 1024.
 */
class KeyCacheTest {
  @Test
  void decodedKeysAreReturnedAndCachedUpToTheBound() {
    SecureRandom random = new SecureRandom();
    for (int i = 0; i < 1100; i++) {
      Ed25519PublicKey k = Ed25519PrivateKey.generate(random).publicKey();
      Digest d = EntryCodec.key(k);
      Ed25519PublicKey first = EntryCodec.key(d, "signer");
      assertEquals(k, first, "a freshly validated key");
      assertSame(first, EntryCodec.key(d, "signer"), "a repeated key comes from the cache");
    }
    assertEquals(1024, EntryCodec.cachedKeys());
  }
}

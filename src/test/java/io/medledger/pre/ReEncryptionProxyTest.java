package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The proxy takes only a fragment addressed to it, wipes a fragment it replaces, says whether a
 * revocation dropped anything, and reports its own state.
 */
class ReEncryptionProxyTest {
  private final SecretKey alice = SecretKey.random();
  private final Signer signer = new Signer(SecretKey.random());
  private final SecretKey bob = SecretKey.random();
  private final ReEncryptionProxy proxy = new ReEncryptionProxy("p0", SecretKey.random());

  @SuppressWarnings("unchecked")
  private Map<String, VerifiedKeyFrag> held() throws ReflectiveOperationException {
    Field f = ReEncryptionProxy.class.getDeclaredField("grants");
    f.setAccessible(true);
    return (Map<String, VerifiedKeyFrag>) f.get(proxy);
  }

  private GrantKeyMaterial material(ProxyKey... proxies) {
    return GrantKeyMaterial.create(alice, signer, bob.publicKey(), List.of(proxies), 1);
  }

  @Test
  void aFragmentForAnotherProxyIsRefusedNamingThisOne() {
    ReEncryptionProxy other = new ReEncryptionProxy("p1", SecretKey.random());
    EnvelopeException e = assertThrows(EnvelopeException.class, () -> proxy.acceptGrant("g", material(other.proxyKey()),
        signer.verifyingKey(), alice.publicKey(), bob.publicKey()));
    assertEquals("grant g has no fragment for proxy p0", e.getMessage());
    assertFalse(proxy.holds("g"));
  }

  @Test
  void aReplacedFragmentIsWipedAndARevocationSaysWhetherItDroppedOne() throws Exception {
    GrantKeyMaterial m = material(proxy.proxyKey());
    proxy.acceptGrant("g", m, signer.verifyingKey(), alice.publicKey(), bob.publicKey());
    VerifiedKeyFrag first = held().get("g");
    proxy.acceptGrant("g", m, signer.verifyingKey(), alice.publicKey(), bob.publicKey());
    VerifiedKeyFrag second = held().get("g");
    assertTrue(first.isDestroyed(), "the replaced fragment is wiped");
    assertFalse(second.isDestroyed());
    assertFalse(proxy.revoke("never-granted"));
    assertTrue(proxy.holds("g"));
    assertTrue(proxy.revoke("g"));
    assertFalse(proxy.revoke("g"), "already dropped");
    assertSame(null, held().get("g"));
  }

  @Test
  void revokeAllWipesEveryFragmentAndKeepsTheKey() throws Exception {
    GrantKeyMaterial m = material(proxy.proxyKey());
    proxy.acceptGrant("g", m, signer.verifyingKey(), alice.publicKey(), bob.publicKey());
    proxy.acceptGrant("h", m, signer.verifyingKey(), alice.publicKey(), bob.publicKey());
    List<VerifiedKeyFrag> fragments = List.copyOf(held().values());
    assertEquals(2, proxy.revokeAll());
    assertTrue(fragments.stream().allMatch(VerifiedKeyFrag::isDestroyed), "every fragment is wiped");
    assertFalse(proxy.holds("g") || proxy.holds("h"));
    assertFalse(proxy.isDestroyed(), "the key stays its owner's");
    assertEquals(0, proxy.revokeAll());
    proxy.acceptGrant("g", m, signer.verifyingKey(), alice.publicKey(), bob.publicKey());
    assertTrue(proxy.holds("g"), "the key still opens fragments");
  }

  @Test
  void itReportsItsNameFragmentCountAndWhetherItWasDestroyed() throws Exception {
    assertEquals("p0", proxy.id());
    assertEquals("p0", proxy.proxyKey().proxyId());
    assertFalse(proxy.isDestroyed());
    proxy.acceptGrant("g", material(proxy.proxyKey()), signer.verifyingKey(), alice.publicKey(), bob.publicKey());
    assertEquals("ReEncryptionProxy[p0, grants=1]", proxy.toString());
    proxy.destroy();
    assertTrue(proxy.isDestroyed());
    assertEquals("ReEncryptionProxy[p0, grants=0]", proxy.toString());
  }
}

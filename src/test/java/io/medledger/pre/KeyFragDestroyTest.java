package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Key-fragment secrets live in an array that {@code destroy()} wipes (issue 13, finding 10). */
class KeyFragDestroyTest {
  private final SecretKey alice = SecretKey.random();
  private final Signer signer = new Signer(SecretKey.random());
  private final SecretKey bob = SecretKey.random();

  private static byte[] share(KeyFrag k) throws Exception {
    Field f = KeyFrag.class.getDeclaredField("key");
    f.setAccessible(true);
    return (byte[]) f.get(k);
  }

  private VerifiedKeyFrag oneFragment() {
    return Umbral.generateKFrags(alice, bob.publicKey(), signer, 1, 1, true, true).get(0);
  }

  @Test
  void destroyWipesTheShareAndRefusesFurtherUse() throws Exception {
    VerifiedKeyFrag vk = oneFragment();
    KeyFrag unverified = vk.unverify();
    KeyFrag copy = KeyFrag.fromBytes(vk.toBytes());
    assertEquals(unverified, copy);
    EncryptionResult enc = Umbral.encrypt(alice.publicKey(), "payload".getBytes(StandardCharsets.UTF_8));
    VerifiedCapsuleFrag cfrag = Umbral.reencrypt(enc.capsule(), vk);
    assertArrayEquals("payload".getBytes(StandardCharsets.UTF_8), Umbral.decryptReencrypted(bob, alice.publicKey(),
        enc.capsule(), List.of(cfrag), enc.ciphertext()));
    assertFalse(java.util.Arrays.equals(share(unverified), new byte[32]), "a live share is not zero");

    assertFalse(vk.isDestroyed());
    vk.destroy();
    assertTrue(vk.isDestroyed());
    assertTrue(unverified.isDestroyed(), "the unverified view shares the array");
    assertArrayEquals(new byte[32], share(unverified), "the key share is zeroed");
    assertThrows(IllegalStateException.class, () -> Umbral.reencrypt(enc.capsule(), vk));
    assertThrows(IllegalStateException.class, vk::toBytes);
    assertThrows(IllegalStateException.class, unverified::toBytes);
    assertThrows(IllegalStateException.class,
        () -> unverified.verify(signer.verifyingKey(), alice.publicKey(), bob.publicKey()));
    assertNotEquals(copy, unverified);
    assertTrue(vk.toString().contains("destroyed"));

    assertFalse(copy.isDestroyed(), "a parsed copy has its own array");
    VerifiedKeyFrag reverified = copy.verify(signer.verifyingKey(), alice.publicKey(), bob.publicKey())
        .verified().orElseThrow();
    copy.destroy();
    assertArrayEquals(new byte[32], share(copy));
    assertThrows(IllegalStateException.class, () -> Umbral.reencrypt(enc.capsule(), reverified));
  }

  @Test
  void theProxyWipesRevokedAndAllFragmentsOnDestroy() throws Exception {
    ReEncryptionProxy proxy = new ReEncryptionProxy("p0", SecretKey.random());
    GrantKeyMaterial m = GrantKeyMaterial.create(alice, signer, bob.publicKey(), List.of(proxy.proxyKey()), 1);
    proxy.acceptGrant("g1", m, signer.verifyingKey(), alice.publicKey(), bob.publicKey());
    proxy.acceptGrant("g2", m, signer.verifyingKey(), alice.publicKey(), bob.publicKey());
    Field f = ReEncryptionProxy.class.getDeclaredField("grants");
    f.setAccessible(true);
    @SuppressWarnings("unchecked")
    Map<String, VerifiedKeyFrag> grants = (Map<String, VerifiedKeyFrag>) f.get(proxy);
    VerifiedKeyFrag g1 = grants.get("g1");
    VerifiedKeyFrag g2 = grants.get("g2");

    Capsule capsule = Umbral.encrypt(alice.publicKey(), new byte[] {1}).capsule();
    proxy.reencrypt("g1", capsule);
    g1.destroy();
    assertThrows(EnvelopeException.class, () -> proxy.reencrypt("g1", capsule),
        "a fragment wiped while held is refused, not an IllegalStateException");
    proxy.acceptGrant("g1", m, signer.verifyingKey(), alice.publicKey(), bob.publicKey());
    g1 = grants.get("g1");
    assertTrue(proxy.revoke("g1"));
    assertTrue(g1.isDestroyed());
    assertArrayEquals(new byte[32], share(g1.kfrag()));
    assertFalse(g2.isDestroyed());

    proxy.destroy();
    assertTrue(g2.isDestroyed());
    assertArrayEquals(new byte[32], share(g2.kfrag()));
    assertThrows(IllegalStateException.class, g2::toBytes);
    assertTrue(proxy.isDestroyed());
    assertFalse(proxy.holds("g2"));
  }

  /**
   * Comparing two fragments serialized both (two 310-byte arrays holding the secret share, left to
   * the garbage collector on every call, for a proxy that compares a re-delivered fragment with the
   * one it holds); now the shares are compared in place, in constant time, and nothing is copied.
   * Equality itself is unchanged: same fragment equal, another share or signature not.
   */
  @Test
  void comparingFragmentsCopiesNoShare() throws Exception {
    VerifiedKeyFrag vk = oneFragment();
    KeyFrag a = vk.unverify();
    byte[] wire = vk.toBytes();
    KeyFrag b = KeyFrag.fromBytes(wire);
    java.util.Arrays.fill(wire, (byte) 0);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    KeyFrag other = oneFragment().unverify();
    assertNotEquals(a, other);
    long self = Thread.currentThread().getId();
    boolean all = true;
    for (int i = 0; i < 2_000; i++) { // warm up, so that what is counted below is the comparison alone
      all &= a.equals(b) && !a.equals(other);
    }
    long before = allocatedBy(self);
    for (int i = 0; i < 1_000; i++) {
      all &= a.equals(b);
    }
    long allocated = allocatedBy(self) - before;
    assertTrue(all);
    // each serialized copy is 310 bytes and more: 1,000 comparisons made 2,000 of them
    assertTrue(allocated < 1_000 * 100L, "comparing 1,000 fragments allocated " + allocated + " bytes");
    assertEquals(vk, new VerifiedKeyFrag(b));
    b.destroy();
    assertNotEquals(a, b, "a destroyed fragment equals only itself");
  }

  /** Bytes thread {@code id} allocated so far (HotSpot's ThreadMXBean, through the platform MBean server). */
  private static long allocatedBy(long id) throws Exception {
    return (Long) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
        new javax.management.ObjectName("java.lang:type=Threading"), "getThreadAllocatedBytes", new Object[] {id},
        new String[] {long.class.getName()});
  }
}

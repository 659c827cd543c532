package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.medledger.access.InstitutionClass;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.federation.Federation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * No client object reaches another participant's signing key: walking every field reachable from
 * a client (up to its {@link LedgerConnection}, which is the federation's side; a remote
 * connection holds no participant key) finds only the client's own Ed25519 key, and no public
 * method of a client returns an identity other than its own.
 */
class KeyIsolationTest {
  @Test
  void eachClientReachesOnlyItsOwnSigningKey() {
    try (Federation f = Federation.builder("isolation-test")
        .institution("Hospital A", InstitutionClass.A)
        .institution("Hospital B", InstitutionClass.A)
        .institution("Authority", InstitutionClass.B)
        .regulator("Regulator")
        .build()) {
      PatientClient anna = f.registerPatient("Anna");
      ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
      ResearcherClient rita = f.registerResearcher("Rita", "Authority");
      AuditorClient auditor = f.auditor("Auditor");
      AuditorClient regulator = f.regulator("Regulator");
      for (Object client : new Object[] {anna, lee, rita, auditor, regulator}) {
        Set<Ed25519PrivateKey> keys = signingKeysReachableFrom(client);
        assertEquals(1, keys.size(), client + " reaches " + keys.size() + " signing keys");
        Ed25519PrivateKey only = keys.iterator().next();
        assertEquals(ownId(client), io.medledger.access.ParticipantId.of(only.publicKey()), client.toString());
      }
      // the clinician's client holds no key of its institution
      assertFalse(signingKeysReachableFrom(lee).stream()
          .anyMatch(k -> io.medledger.access.ParticipantId.of(k.publicKey()).equals(lee.institutionId())));
      for (Object client : new Object[] {anna, lee, rita, auditor}) {
        for (Method m : client.getClass().getMethods()) {
          if (m.getReturnType() == Identity.class && !Modifier.isStatic(m.getModifiers())) {
            assertEquals(ownId(client), invoke(m, client).id(), m.toString());
          }
        }
      }
    }
  }

  private static io.medledger.access.ParticipantId ownId(Object client) {
    try {
      return (io.medledger.access.ParticipantId) client.getClass().getMethod("id").invoke(client);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static Identity invoke(Method m, Object o) {
    try {
      return (Identity) m.invoke(o);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** Every Ed25519 private key reachable from {@code root} through fields, stopping at connections. */
  static Set<Ed25519PrivateKey> signingKeysReachableFrom(Object root) {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Set<Ed25519PrivateKey> found = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Object> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Object o = todo.pop();
      if (o == null || o instanceof LedgerConnection || !seen.add(o)) {
        continue;
      }
      if (o instanceof Ed25519PrivateKey k) {
        found.add(k);
        continue;
      }
      if (o instanceof Optional<?> opt) {
        opt.ifPresent(todo::push);
        continue;
      }
      if (o instanceof Collection<?> c) {
        c.forEach(todo::push);
        continue;
      }
      if (o instanceof Map<?, ?> m) {
        m.forEach((k, v) -> {
          todo.push(k);
          todo.push(v);
        });
        continue;
      }
      if (o.getClass().isArray() && !o.getClass().getComponentType().isPrimitive()) {
        for (Object e : (Object[]) o) {
          todo.push(e);
        }
        continue;
      }
      if (o instanceof Enum<?> || !o.getClass().getName().startsWith("io.medledger.")) {
        continue;
      }
      for (Class<?> c = o.getClass(); c != null && c.getName().startsWith("io.medledger."); c = c.getSuperclass()) {
        for (Field fd : c.getDeclaredFields()) {
          if (Modifier.isStatic(fd.getModifiers()) || fd.getType().isPrimitive()) {
            continue;
          }
          fd.setAccessible(true);
          try {
            Object v = fd.get(o);
            if (v != null) { // a field not yet set (a patient client's own key card before it is read)
              todo.push(v);
            }
          } catch (IllegalAccessException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return found;
  }
}

package io.medledger.client;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.function.Function;

/**
 * Test double: a {@link LedgerConnection} that forwards every call to a real one except the
 * methods named in {@code overrides}, which answer from the given functions (arguments in, result
 * out). Models a node that lies about one thing.
 */
final class Connections {
  private Connections() {}

  static LedgerConnection lying(LedgerConnection real, Map<String, Function<Object[], Object>> overrides) {
    return (LedgerConnection) Proxy.newProxyInstance(LedgerConnection.class.getClassLoader(),
        new Class<?>[] {LedgerConnection.class}, (proxy, method, args) -> {
          Function<Object[], Object> o = overrides.get(method.getName());
          if (o != null) {
            return o.apply(args);
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}

package io.medledger.node;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import javax.management.ObjectName;

/**
 * Run in a JVM of its own by {@link NodeKeysTest}: opens the key store {@code args[0]} with the
 * passphrase {@code args[1]} as a node does, destroys the keys as a closing node does, writes a
 * heap dump with the unreachable objects too ({@code args[2]}) and prints {@code destroyed=true}.
 */
final class KeyStoreResidueChild {
  private KeyStoreResidueChild() {}

  public static void main(String[] args) throws Exception {
    NodeKeys keys = NodeKeys.open(Path.of(args[0]), args[1].toCharArray());
    keys.destroy();
    // HotSpotDiagnosticMXBean.dumpHeap(file, live = false), through the platform MBean server
    ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=HotSpotDiagnostic"),
        "dumpHeap", new Object[] {args[2], false}, new String[] {String.class.getName(), boolean.class.getName()});
    System.out.println("destroyed=" + keys.isDestroyed());
  }
}

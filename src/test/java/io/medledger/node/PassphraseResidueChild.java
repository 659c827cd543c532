package io.medledger.node;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import javax.management.ObjectName;

/**
 * Run in a JVM of its own by {@link NodeKeysTest}: reads the passphrase file {@code args[0]} as a
 * node does, wipes the passphrase it got, writes a heap dump with the unreachable objects too
 * ({@code args[1]}) and prints {@code length=N}, N the passphrase's length.
 */
final class PassphraseResidueChild {
  private PassphraseResidueChild() {}

  public static void main(String[] args) throws Exception {
    char[] passphrase = NodeKeys.passphrase(new NodeConfig.KeySource.File(Path.of(args[0])));
    int n = passphrase.length;
    Arrays.fill(passphrase, '\0');
    // HotSpotDiagnosticMXBean.dumpHeap(file, live = false), through the platform MBean server
    ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=HotSpotDiagnostic"),
        "dumpHeap", new Object[] {args[1], false}, new String[] {String.class.getName(), boolean.class.getName()});
    System.out.println("length=" + n);
  }
}

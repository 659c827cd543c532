package io.medledger.federation;

import io.medledger.client.TestNetwork;
import io.medledger.node.RemoteFederation;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client-type × operation matrix of {@link OperationMatrixTest}, against nodes started in this
 * JVM over TLS on loopback, each client reaching them through its own mutually authenticated
 * {@link io.medledger.node.RemoteConnection}. One testnet serves every row; each row registers
 * its own patients and affiliates.
 */
class RemoteOperationMatrixTest extends OperationMatrixTest {
  @TempDir
  static Path dir;
  private static RemoteFederation net;

  @BeforeAll
  static void start() {
    net = RemoteFederation.start(dir.resolve("net"));
  }

  @AfterAll
  static void stop() {
    if (net != null) {
      net.close();
    }
  }

  @Override
  TestNetwork network() {
    return net;
  }

  @Override
  void release(TestNetwork n) {
    // shared by every row
  }
}

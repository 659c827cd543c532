package io.medledger.federation;

import io.medledger.client.TestNetwork;
import io.medledger.node.RemoteFederation;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The client-type × operation matrix of {@link OperationMatrixTest}, against nodes started in this
 * JVM over TLS on loopback, each client reaching them through its own mutually authenticated
 * {@link io.medledger.node.RemoteConnection}. One testnet serves every row; each row registers
 * its own patients and affiliates.
 */
class RemoteOperationMatrixTest extends OperationMatrixTest {
  @RegisterExtension
  static final RemoteFederation.Shared NET = new RemoteFederation.Shared();

  @Override
  TestNetwork network() {
    return NET.get();
  }

  @Override
  void release(TestNetwork n) {
    // shared by every row
  }
}

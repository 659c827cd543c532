package io.medledger.consensus;

/** The protocol suite run against {@link BftProtocol}. */
class BftProtocolTest extends ProtocolContractTest {
  @Override
  String protocol() {
    return BftProtocol.NAME;
  }
}

package io.medledger.consensus;

/** The protocol suite run against {@link SoloProtocol}. */
class SoloProtocolTest extends ProtocolContractTest {
  @Override
  String protocol() {
    return SoloProtocol.NAME;
  }
}

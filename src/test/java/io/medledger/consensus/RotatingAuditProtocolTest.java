package io.medledger.consensus;

/** The protocol suite run against {@link RotatingAuditProtocol}. */
class RotatingAuditProtocolTest extends ProtocolContractTest {
  @Override
  String protocol() {
    return RotatingAuditProtocol.NAME;
  }
}

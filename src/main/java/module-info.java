/**
 * MedLedger: an embeddable permissioned ledger for sharing medical data.
 *
 * <p>Only API packages are exported; {@code io.medledger.internal} and the command-line
 * front end are not.
 */
module io.medledger {
  requires org.bouncycastle.provider;
  requires com.google.common;
  requires com.fasterxml.jackson.core;
  requires java.net.http;

  exports io.medledger.crypto;
  exports io.medledger.codec;
  // exports io.medledger.merkle;  (uncomment when the package has public types)
  // exports io.medledger.chain;  (uncomment when the package has public types)
  exports io.medledger.consensus;
  exports io.medledger.consensus.sim;

  // exports io.medledger.pre;  (uncomment when the package has public types)
  // exports io.medledger.anchor;  (uncomment when the package has public types)
  // exports io.medledger.anchor.bitcoin;  (uncomment when the package has public types)
  // exports io.medledger.anchor.ots;  (uncomment when the package has public types)
  // exports io.medledger.storage;  (uncomment when the package has public types)
  // exports io.medledger.access;  (uncomment when the package has public types)
  // exports io.medledger.network;  (uncomment when the package has public types)
}

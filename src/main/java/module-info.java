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
  requires jdk.httpserver;
  requires jdk.jfr;
  requires java.management;
  // Optional: only the networked node transport (io.medledger.internal.transport) uses Netty.
  requires static io.netty.common;
  requires static io.netty.buffer;
  requires static io.netty.transport;
  requires static io.netty.codec;
  requires static io.netty.handler;
  requires static io.netty.codec.http;
  requires static io.netty.transport.classes.epoll;
  // Optional: only the on-disk state store (io.medledger.internal.rocksdb) uses RocksDB.
  requires static rocksdbjni;

  exports io.medledger;
  exports io.medledger.crypto;
  exports io.medledger.codec;
  exports io.medledger.fhir;
  exports io.medledger.merkle;
  exports io.medledger.chain;
  exports io.medledger.consensus;
  exports io.medledger.consensus.sim;
  exports io.medledger.pre;
  exports io.medledger.anchor;
  exports io.medledger.anchor.bitcoin;
  exports io.medledger.storage;
  exports io.medledger.anchor.ots;
  exports io.medledger.access;
  exports io.medledger.client;
  exports io.medledger.federation;
  exports io.medledger.tlog;
  exports io.medledger.node;
}

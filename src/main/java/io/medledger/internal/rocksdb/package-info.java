/**
 * The RocksDB implementation of {@link io.medledger.storage.StateStore}; the only code that
 * touches {@code org.rocksdb}, which is an optional dependency.
 */
package io.medledger.internal.rocksdb;

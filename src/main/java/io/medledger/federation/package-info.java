/**
 * The in-process "testnet in one JVM": a {@link io.medledger.federation.Federation} of
 * {@link io.medledger.federation.FederationServer}s, their sequencers, storage nodes and an
 * offline {@link io.medledger.federation.RegtestChain}, wired from one builder for tests, demos
 * and pilots. It provides the in-process {@link io.medledger.client.LedgerConnection}.
 */
package io.medledger.federation;

/** Deterministic simulation of consensus protocols: seeded network, faults, invariants. */
package io.medledger.consensus.sim;

/** Pluggable sans-IO consensus protocols and the deterministic network simulator. */
package io.medledger.consensus;

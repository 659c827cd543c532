/**
 * The root of MedLedger's one unchecked exception hierarchy, {@link io.medledger.MedLedgerException}.
 * The library's types live in the subpackages, one per part of the architecture.
 */
package io.medledger;

/**
 * HL7 FHIR R4: indexing of resources for the ledger's query interface, and de-identification of
 * a record for research.
 *
 * <p>Every type here is immutable or stateless, and safe for use from any thread.
 */
package io.medledger.fhir;

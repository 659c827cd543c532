package io.medledger.client;

import io.medledger.access.ParticipantId;

/**
 * A federation as tests see it, whether in-process or remote: register participants and get their
 * clients, look up institutions, and read the ledger as an observer. The client-type × operation
 * matrix runs against every implementation.
 */
public interface TestNetwork extends AutoCloseable {
  /** Registers a new patient and returns its client (over its own connection). */
  PatientClient registerPatient(String name);

  /** Registers a new clinician under institution {@code institution}. */
  ClinicianClient registerClinician(String name, String institution);

  /** Registers a new researcher under institution {@code institution}. */
  ResearcherClient registerResearcher(String name, String institution);

  /** The ledger id of institution {@code name}. */
  ParticipantId institutionId(String name);

  /** An external auditor's client. */
  AuditorClient auditor(String name);

  /** The client of regulator {@code name}. */
  AuditorClient regulator(String name);

  /** A connection for reading the ledger in checks. */
  LedgerConnection observer();

  @Override
  void close();
}

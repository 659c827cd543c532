package io.medledger.federation;

import io.medledger.access.ParticipantId;
import io.medledger.client.AuditorClient;
import io.medledger.client.ClinicianClient;
import io.medledger.client.LedgerConnection;
import io.medledger.client.PatientClient;
import io.medledger.client.ResearcherClient;
import io.medledger.client.TestNetwork;

/** The in-process {@link Federation} as a {@link TestNetwork}. */
final class InProcessNetwork implements TestNetwork {
  private final Federation f;

  InProcessNetwork(Federation f) {
    this.f = f;
  }

  @Override
  public PatientClient registerPatient(String name) {
    return f.registerPatient(name);
  }

  @Override
  public ClinicianClient registerClinician(String name, String institution) {
    return f.registerClinician(name, institution);
  }

  @Override
  public ResearcherClient registerResearcher(String name, String institution) {
    return f.registerResearcher(name, institution);
  }

  @Override
  public ParticipantId institutionId(String name) {
    return f.institutionId(name);
  }

  @Override
  public AuditorClient auditor(String name) {
    return f.auditor(name);
  }

  @Override
  public AuditorClient regulator(String name) {
    return f.regulator(name);
  }

  @Override
  public LedgerConnection observer() {
    return f.connection();
  }

  @Override
  public void close() {
    f.close();
  }
}

package io.medledger.cli;

import io.medledger.consensus.Protocols;
import io.medledger.consensus.sim.Scenario;
import io.medledger.consensus.sim.Simulation;
import io.medledger.consensus.sim.SimulationResult;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * {@code medledger simulate --protocol P --seeds N [--first-seed S] [--servers F] [--auditors A]
 * [--scenario NAME] [--fail-fast]}: runs N seeded simulations cycling through every fault scenario
 * (or only {@code NAME}), prints a replay command on stderr for each failing seed (stopping at the
 * first with {@code --fail-fast}) and ends with one summary line; exit 1 on any violation. {@code medledger simulate --list-scenarios [--protocol P]} prints
 * the scenario names, one a line.
 */
final class SimulateCommand implements Command {
  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    Args a = Args.parse(args, 0, "list-scenarios", "fail-fast");
    if (a.flag("list-scenarios")) {
      String p = a.optional("protocol");
      a.rejectUnknown();
      if (p != null && !Protocols.names().contains(p)) {
        throw new CliException("unknown protocol '" + p + "'; known: " + String.join(", ", Protocols.names()));
      }
      for (Scenario sc : p == null ? java.util.List.of(Scenario.values()) : Scenario.forProtocol(p)) {
        out.println(sc.cliName());
      }
      return 0;
    }
    String protocol = a.required("protocol");
    long seeds = a.requiredLong("seeds");
    long first = a.optionalLong("first-seed", 1);
    long servers = a.optionalLong("servers", 4);
    long auditors = a.optionalLong("auditors", 4);
    String scenarioName = a.optional("scenario");
    boolean failFast = a.flag("fail-fast");
    a.rejectUnknown();
    if (!Protocols.names().contains(protocol)) {
      throw new CliException("unknown protocol '" + protocol + "'; known: " + String.join(", ", Protocols.names()));
    }
    if (seeds < 1 || servers < 1 || servers > 64 || auditors < 0 || auditors > 64
        || (protocol.equals("rotating-audit") && auditors < 1)) {
      throw new CliException("need --seeds >= 1, 1 <= --servers <= 64, 0 <= --auditors <= 64 (>= 1 for rotating-audit)");
    }
    Scenario scenario = null;
    if (scenarioName != null) {
      for (Scenario sc : Scenario.forProtocol(protocol)) {
        if (sc.cliName().equals(scenarioName)) {
          scenario = sc;
        }
      }
      if (scenario == null) {
        throw new CliException("unknown scenario '" + scenarioName + "' for " + protocol
            + "; see: medledger simulate --list-scenarios --protocol " + protocol);
      }
    }
    long violations = 0;
    long livenessFailures = 0;
    long blocks = 0;
    long runs = 0;
    for (long s = first; s < first + seeds; s++) {
      runs++;
      Simulation sim = Simulation.of(protocol, s).members((int) servers, (int) auditors);
      if (scenario != null) {
        sim.scenario(scenario);
      }
      SimulationResult r = sim.run();
      violations += r.safetyViolations().size();
      livenessFailures += r.livenessFailures().size();
      blocks += r.finalBlocks();
      if (!r.passed()) {
        String why = !r.safetyViolations().isEmpty() ? r.safetyViolations().get(0) : r.livenessFailures().get(0);
        err.println("FAIL seed=" + s + " scenario=" + r.scenario().cliName() + ": " + why + "; replay: "
            + r.replayCommand());
        if (failFast) {
          break;
        }
      }
    }
    out.println("runs=" + runs + " safety_violations=" + violations + " liveness_failures=" + livenessFailures
        + " final_blocks=" + blocks);
    return violations == 0 && livenessFailures == 0 ? 0 : 1;
  }
}

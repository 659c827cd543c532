package io.medledger.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** {@code medledger demo}: the end-to-end scenario of the sharing model. */
final class DemoCommand implements Command {
  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    out.println("MedLedger demo");
    out.println("The end-to-end scenario lands with the sharing-model issue; what exists today:");
    out.println("  bin/medledger merkle root|inclusion|consistency   RFC 9162 Merkle tools");
    out.println("  bin/medledger bitcoin merkle-root                 Bitcoin Merkle root of txids");
    return 0;
  }
}

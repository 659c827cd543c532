package io.medledger.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** One subcommand of the command-line front end. */
interface Command {
  /**
   * Runs the command. {@code args} holds everything after the subcommand's own name.
   *
   * @return the process exit code (0 success, 1 a negative verdict)
   * @throws CliException for bad input (exit code 2)
   */
  int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception;
}

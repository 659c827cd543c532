package io.medledger.cli;

import io.medledger.internal.Json;
import io.medledger.internal.umbral.UmbralInterop;
import io.medledger.internal.umbral.UmbralVectorCheck;
import io.medledger.pre.EntropySource;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code medledger pre umbral check-vectors FILE [--verbose]} and
 * {@code medledger pre umbral make-interop --out FILE}.
 */
final class PreCommand implements Command {
  private static final String USAGE =
      "usage: medledger pre umbral check-vectors FILE [--verbose] | pre umbral make-interop --out FILE [--force]";

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws IOException {
    if (args.length < 2 || !args[0].equals("umbral")) {
      throw new CliException(USAGE);
    }
    switch (args[1]) {
      case "check-vectors":
        return checkVectors(Args.parse(args, 2, "verbose"), out);
      case "make-interop":
        return makeInterop(Args.parse(args, 2, "force"), out);
      default:
        throw new CliException("unknown pre umbral subcommand '" + args[1] + "'; " + USAGE);
    }
  }

  private static int checkVectors(Args a, PrintStream out) throws IOException {
    boolean verbose = a.flag("verbose");
    a.rejectUnknown();
    if (a.positional().size() != 1) {
      throw new CliException("check-vectors takes exactly one FILE");
    }
    Path file = Path.of(a.positional().get(0));
    Object doc = CliFiles.parse(file, () -> Json.parse(CliFiles.readJson(file)));
    UmbralVectorCheck check = new UmbralVectorCheck(verbose);
    check.checkDocument(doc);
    for (String line : check.lines()) {
      out.println(line);
    }
    out.println(check.summary());
    return check.failed() == 0 ? 0 : 1;
  }

  private static int makeInterop(Args a, PrintStream out) throws IOException {
    Path file = Path.of(a.required("out"));
    boolean force = a.flag("force");
    a.rejectUnknown();
    if (!a.positional().isEmpty()) {
      throw new CliException("make-interop takes no positional arguments");
    }
    CliFiles.refuseToOverwrite(force, file);
    String json = new UmbralInterop(EntropySource.secure()).document();
    CliFiles.write(file, (json + "\n").getBytes(StandardCharsets.UTF_8), force);
    UmbralVectorCheck check = new UmbralVectorCheck(false);
    check.checkDocument(Json.parse(json));
    out.println(Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("out", file.toString());
      g.writeNumberField("bytes", json.length() + 1);
      g.writeStringField("self_check", check.summary());
      g.writeEndObject();
    }));
    return check.failed() == 0 ? 0 : 1;
  }
}

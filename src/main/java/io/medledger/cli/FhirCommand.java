package io.medledger.cli;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.medledger.fhir.FhirIndexer;
import io.medledger.fhir.FhirResourceInfo;
import io.medledger.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code medledger fhir index FILE}: lists the resources of a FHIR R4 JSON resource or Bundle as
 * a JSON array of {@code {resourceType, id, patient, date}} objects in document order.
 */
final class FhirCommand implements Command {
  private static final String USAGE = "usage: medledger fhir index FILE";

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws IOException {
    if (args.length == 0 || !args[0].equals("index")) {
      throw new CliException(USAGE);
    }
    Args a = Args.parse(args, 1);
    a.rejectUnknown();
    if (a.positional().size() != 1) {
      throw new CliException(USAGE);
    }
    Path file = Path.of(a.positional().get(0));
    FhirIndexer indexer = new FhirIndexer();
    List<FhirResourceInfo> found = CliFiles.parse(file, () -> indexer.index(CliFiles.read(file, indexer.maxBytes())));
    String json = Json.write(true, g -> {
      // ASCII output whatever the console's charset: anything else is written as a \\u escape
      g.enable(JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());
      g.writeStartArray();
      for (FhirResourceInfo r : found) {
        g.writeStartObject();
        g.writeStringField("resourceType", r.resourceType());
        g.writeStringField("id", r.id());
        g.writeStringField("patient", r.patientId());
        g.writeStringField("date", r.date());
        g.writeEndObject();
      }
      g.writeEndArray();
    });
    out.println(json);
    return 0;
  }
}

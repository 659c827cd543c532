package io.medledger.anchor;

import com.fasterxml.jackson.core.JsonGenerator;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** JSON form of {@link AnchorRecord} for the journal. Hashes in internal byte order. */
final class AnchorRecordJson {
  private AnchorRecordJson() {}

  static void write(JsonGenerator g, AnchorRecord r) throws IOException {
    g.writeStartObject();
    g.writeNumberField("version", 1);
    g.writeStringField("commitment", r.id().toHex());
    g.writeStringField("preimage", Hex.encode(r.commitment().preimage()));
    g.writeStringField("status", r.status().name());
    g.writeStringField("plannedAt", r.plannedAt().toString());
    g.writeStringField("updatedAt", r.updatedAt().toString());
    if (r.lastError() != null) {
      g.writeStringField("lastError", r.lastError());
    }
    g.writeArrayFieldStart("attempts");
    for (AnchorRecord.Attempt a : r.attempts()) {
      SignedTransaction t = a.transaction();
      g.writeStartObject();
      g.writeStringField("txid", t.txid().toHex());
      g.writeStringField("raw", Hex.encode(t.raw()));
      g.writeNumberField("feeRate", t.feeRate());
      g.writeNumberField("fee", t.fee());
      g.writeStringField("sentAt", a.sentAt().toString());
      g.writeEndObject();
    }
    g.writeEndArray();
    if (r.confirmation() != null) {
      AnchorRecord.Confirmation c = r.confirmation();
      g.writeObjectFieldStart("confirmation");
      g.writeStringField("txid", c.txid().toHex());
      g.writeStringField("blockHash", c.blockHash().toHex());
      g.writeNumberField("height", c.height());
      g.writeNumberField("confirmations", c.confirmations());
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  static AnchorRecord read(Map<String, Object> o) {
    try {
      if (Json.asLong(Json.member(o, "version"), "version") != 1) {
        throw new MalformedEncodingException("unknown anchor record version");
      }
      AnchorCommitment c = AnchorCommitment.fromPreimage(Hex.decode(Json.asString(Json.member(o, "preimage"), "preimage")));
      if (!c.digest().toHex().equals(Json.asString(Json.member(o, "commitment"), "commitment"))) {
        throw new MalformedEncodingException("anchor record commitment does not match its preimage");
      }
      AnchorStatus status = AnchorStatus.valueOf(Json.asString(Json.member(o, "status"), "status"));
      List<AnchorRecord.Attempt> attempts = new ArrayList<>();
      for (Object ao : Json.asArray(Json.member(o, "attempts"), "attempts")) {
        Map<String, Object> a = Json.asObject(ao, "attempt");
        SignedTransaction t = new SignedTransaction(
            Digest.fromHex(Json.asString(Json.member(a, "txid"), "txid")),
            Hex.decode(Json.asString(Json.member(a, "raw"), "raw")),
            Json.asLong(Json.member(a, "feeRate"), "feeRate"),
            Json.asLong(Json.member(a, "fee"), "fee"));
        attempts.add(new AnchorRecord.Attempt(t, Instant.parse(Json.asString(Json.member(a, "sentAt"), "sentAt"))));
      }
      AnchorRecord.Confirmation conf = null;
      if (o.get("confirmation") != null) {
        Map<String, Object> m = Json.asObject(o.get("confirmation"), "confirmation");
        conf = new AnchorRecord.Confirmation(
            Digest.fromHex(Json.asString(Json.member(m, "txid"), "txid")),
            Digest.fromHex(Json.asString(Json.member(m, "blockHash"), "blockHash")),
            Json.asLong(Json.member(m, "height"), "height"),
            Math.toIntExact(Json.asLong(Json.member(m, "confirmations"), "confirmations")));
      }
      String err = o.get("lastError") == null ? null : Json.asString(o.get("lastError"), "lastError");
      return new AnchorRecord(c, status,
          Instant.parse(Json.asString(Json.member(o, "plannedAt"), "plannedAt")),
          attempts, conf,
          Instant.parse(Json.asString(Json.member(o, "updatedAt"), "updatedAt")), err);
    } catch (MalformedEncodingException e) {
      throw e;
    } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
      throw new MalformedEncodingException("invalid anchor record: " + e.getMessage(), e);
    }
  }
}

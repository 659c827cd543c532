package io.medledger.internal.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The JSON view: members in field order, integers as JSON numbers, digests and bytes as
 * lowercase hex, enums as their labels, absent optionals as {@code null}. The caller opens and
 * closes the enclosing object. Not thread-safe.
 */
public final class JsonFieldWriter implements FieldWriter {
  private final JsonGenerator g;

  /** Writes members into the object {@code g} has open. */
  public JsonFieldWriter(JsonGenerator g) {
    this.g = g;
  }

  @FunctionalInterface
  private interface Io {
    void run() throws IOException;
  }

  private static void io(Io r) {
    try {
      r.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void u8(String name, int value) {
    io(() -> g.writeNumberField(name, value));
  }

  @Override
  public void u32(String name, int value) {
    io(() -> g.writeNumberField(name, value));
  }

  @Override
  public void i64(String name, long value) {
    io(() -> g.writeNumberField(name, value));
  }

  @Override
  public void bool(String name, boolean value) {
    io(() -> g.writeBooleanField(name, value));
  }

  @Override
  public void enumValue(String name, int code, String label) {
    io(() -> g.writeStringField(name, label));
  }

  @Override
  public void digest(String name, Digest value) {
    io(() -> g.writeStringField(name, value.toHex()));
  }

  @Override
  public void optionalDigest(String name, Digest valueOrNull) {
    io(() -> {
      if (valueOrNull == null) {
        g.writeNullField(name);
      } else {
        g.writeStringField(name, valueOrNull.toHex());
      }
    });
  }

  @Override
  public void bytes(String name, ByteString value) {
    io(() -> g.writeStringField(name, value.toHex()));
  }

  @Override
  public void string(String name, String value) {
    io(() -> g.writeStringField(name, value));
  }

  @Override
  public void digestList(String name, List<Digest> values) {
    io(() -> {
      g.writeArrayFieldStart(name);
      for (Digest d : values) {
        g.writeString(d.toHex());
      }
      g.writeEndArray();
    });
  }

  @Override
  public void bytesList(String name, List<ByteString> values) {
    io(() -> {
      g.writeArrayFieldStart(name);
      for (ByteString b : values) {
        g.writeString(b.toHex());
      }
      g.writeEndArray();
    });
  }

  @Override
  public void stringList(String name, List<String> values) {
    io(() -> {
      g.writeArrayFieldStart(name);
      for (String s : values) {
        g.writeString(s);
      }
      g.writeEndArray();
    });
  }

  @Override
  public void object(String name, Consumer<FieldWriter> body) {
    io(() -> {
      g.writeObjectFieldStart(name);
      body.accept(this);
      g.writeEndObject();
    });
  }

  @Override
  public <T> void objectList(String name, List<T> items, BiConsumer<T, FieldWriter> body) {
    io(() -> {
      g.writeArrayFieldStart(name);
      for (T item : items) {
        g.writeStartObject();
        body.accept(item, this);
        g.writeEndObject();
      }
      g.writeEndArray();
    });
  }
}

package io.medledger.anchor.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.BoundedInput;
import io.medledger.internal.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Headers from a JSON object mapping decimal heights to 80-byte header hex (wire order), the
 * {@code --headers HEADERS.json} format of the command line, e.g.
 * {@code {"358391": "02000000b963...def6"}}. Heights may be sparse.
 *
 * <p>Loading checks every header's length and, wherever two consecutive heights are both
 * present, that the later one links to the earlier one's hash; it does not check proof of work
 * (verifiers do). Immutable and thread-safe.
 */
public final class FileHeaderSource implements HeaderSource {
  /** Largest headers file accepted, in bytes (64 MiB: room for about 370,000 headers). */
  public static final long MAX_FILE_BYTES = BoundedInput.MAX_BYTES;

  private final TreeMap<Long, BitcoinBlockHeader> byHeight;
  private final Map<Digest, Long> heightByHash;

  private FileHeaderSource(TreeMap<Long, BitcoinBlockHeader> byHeight) {
    this.byHeight = byHeight;
    Map<Digest, Long> idx = new HashMap<>();
    byHeight.forEach((h, hdr) -> idx.put(hdr.hash(), h));
    this.heightByHash = idx;
  }

  /**
   * Reads a headers file.
   *
   * @throws MalformedEncodingException if the file is not such a JSON object or is inconsistent
   * @throws UncheckedIOException if the file cannot be read
   */
  public static FileHeaderSource read(Path file) {
    try {
      return parse(new ByteArrayInputStream(BoundedInput.readFile(file, MAX_FILE_BYTES)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses a headers JSON document.
   *
   * @throws MalformedEncodingException if it is not such a JSON object or is inconsistent
   */
  public static FileHeaderSource parse(InputStream json) {
    Map<String, Object> obj = Json.asObject(Json.parse(json), "headers file");
    TreeMap<Long, BitcoinBlockHeader> m = new TreeMap<>();
    for (Map.Entry<String, Object> e : obj.entrySet()) {
      long height = parseHeight(e.getKey());
      String hex = Json.asString(e.getValue(), "header at height " + height);
      BitcoinBlockHeader h;
      try {
        h = BitcoinBlockHeader.fromHex(hex);
      } catch (MalformedEncodingException ex) {
        throw new MalformedEncodingException("header at height " + height + ": " + ex.getMessage(), ex);
      }
      if (m.put(height, h) != null) {
        throw new MalformedEncodingException("height " + height + " given twice");
      }
    }
    return of(m);
  }

  /**
   * A source over the given headers.
   *
   * @throws MalformedEncodingException if consecutive heights do not link
   */
  public static FileHeaderSource of(Map<Long, BitcoinBlockHeader> headers) {
    TreeMap<Long, BitcoinBlockHeader> m = new TreeMap<>();
    headers.forEach((k, v) -> {
      if (k < 0) {
        throw new IllegalArgumentException("negative height " + k);
      }
      m.put(k, java.util.Objects.requireNonNull(v));
    });
    for (Map.Entry<Long, BitcoinBlockHeader> e : m.entrySet()) {
      BitcoinBlockHeader prev = m.get(e.getKey() - 1);
      if (prev != null && !e.getValue().previousBlockHash().equals(prev.hash())) {
        throw new MalformedEncodingException(
            "header at height " + e.getKey() + " does not link to the header at height " + (e.getKey() - 1));
      }
    }
    return new FileHeaderSource(m);
  }

  private static long parseHeight(String key) {
    if (key.isEmpty() || key.length() > 10 || !key.chars().allMatch(c -> c >= '0' && c <= '9')
        || (key.length() > 1 && key.charAt(0) == '0')) {
      throw new MalformedEncodingException("height key must be a decimal integer, got '" + key + "'");
    }
    return Long.parseLong(key);
  }

  @Override
  public Optional<BitcoinBlockHeader> headerAt(long height) {
    return Optional.ofNullable(byHeight.get(height));
  }

  @Override
  public Optional<HeightAndHeader> headerByHash(Digest blockHash) {
    Long h = heightByHash.get(blockHash);
    return h == null ? Optional.empty() : Optional.of(new HeightAndHeader(h, byHeight.get(h)));
  }

  @Override
  public OptionalLong bestHeight() {
    return byHeight.isEmpty() ? OptionalLong.empty() : OptionalLong.of(byHeight.lastKey());
  }

  /** All headers by height (an unmodifiable view). */
  public Map<Long, BitcoinBlockHeader> headers() {
    return Collections.unmodifiableSortedMap(byHeight);
  }

  /** Number of headers. */
  public int size() {
    return byHeight.size();
  }
}

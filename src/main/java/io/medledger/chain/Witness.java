package io.medledger.chain;

import io.medledger.crypto.Ed25519PublicKey;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/**
 * A transparency-log witness the chain lists: its C2SP {@code signed-note} key name, its Ed25519
 * {@code tlog-cosignature} ({@code cosignature/v1}) public key, and the {@code tlog-witness} URL
 * the federation's servers send checkpoints to. Listed and delisted by {@link WitnessChange}
 * governance entries; cosignatures count only from witnesses listed at the checkpoint's height.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the key name (1 to {@link Limits#MAX_NAME_BYTES} bytes of UTF-8, no spaces, no
 *     {@code +}, no control characters)
 * @param key the cosignature public key
 * @param url the witness's base URL, {@code http} or {@code https}, at most
 *     {@link #MAX_URL_BYTES} ASCII bytes; requests go to {@code <url>/add-checkpoint}
 */
public record Witness(String name, Ed25519PublicKey key, String url) {
  /** Longest witness URL. */
  public static final int MAX_URL_BYTES = 512;

  /**
   * Validates the fields.
   *
   * @throws IllegalArgumentException if the name is not a valid key name or the URL not an
   *     absolute http(s) URL without query or fragment
   */
  public Witness {
    checkName(name);
    Checks.notNull(key, "key");
    checkUrl(url);
  }

  /**
   * Checks that {@code name} is a valid C2SP {@code signed-note} key name: 1 to
   * {@link Limits#MAX_NAME_BYTES} bytes of UTF-8, no Unicode spaces, no {@code +}, no control
   * characters.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static void checkName(String name) {
    Checks.notNull(name, "name");
    if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_NAME_BYTES) {
      throw new IllegalArgumentException("key name must be 1.." + Limits.MAX_NAME_BYTES + " bytes");
    }
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      if (cp == '+' || cp < 0x20 || cp == 0x7f || Character.isWhitespace(cp) || Character.isSpaceChar(cp)
          || Character.isSurrogate(name.charAt(i))) {
        throw new IllegalArgumentException("key name must not contain spaces, '+' or control characters");
      }
      i += Character.charCount(cp);
    }
  }

  static void checkUrl(String url) {
    Checks.notNull(url, "url");
    if (url.length() > MAX_URL_BYTES || !StandardCharsets.US_ASCII.newEncoder().canEncode(url)) {
      throw new IllegalArgumentException("witness url must be at most " + MAX_URL_BYTES + " ASCII characters");
    }
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("witness url is not a URI: " + e.getMessage(), e);
    }
    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null
        || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
      throw new IllegalArgumentException("witness url must be http(s)://host[:port][/path], without user, query or fragment");
    }
  }
}

package io.medledger.node;

import io.medledger.codec.MalformedEncodingException;
import java.util.Objects;

/**
 * A host name or IP literal and a TCP port. Port 0 means "any free port" when listening and is
 * refused when dialling. Immutable; validated at construction.
 *
 * @param host a DNS name or IP literal, 1..253 characters of letters, digits, {@code .-:_[]%}
 * @param port 0..65535
 */
public record PeerAddress(String host, int port) {
  /** Longest DNS name. */
  public static final int MAX_HOST_LENGTH = 253;

  public PeerAddress {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
      throw new IllegalArgumentException("host must be 1.." + MAX_HOST_LENGTH + " characters");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == ':' || c == '_' || c == '[' || c == ']' || c == '%';
      if (!ok) {
        throw new IllegalArgumentException("host has an invalid character at index " + i);
      }
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
  }

  /**
   * Parses {@code host:port} (IPv6 literals in brackets: {@code [::1]:7000}).
   *
   * @throws MalformedEncodingException if the text is not an address
   */
  public static PeerAddress parse(String text) {
    Objects.requireNonNull(text, "text");
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new MalformedEncodingException("address must be host:port");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new MalformedEncodingException("address port is not a number");
    }
    try {
      return new PeerAddress(host, port);
    } catch (IllegalArgumentException e) {
      throw new MalformedEncodingException("address: " + e.getMessage(), e);
    }
  }


  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}

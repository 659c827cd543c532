package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** Constructor checks shared by the ledger value types. */
final class Checks {
  private static final Pattern RESOURCE_TYPE = Pattern.compile("[A-Z][A-Za-z]{0,63}");

  private Checks() {}

  static <T> T notNull(T v, String name) {
    return Objects.requireNonNull(v, name);
  }

  static long nonNegative(long v, String name) {
    if (v < 0) {
      throw new IllegalArgumentException(name + " is negative");
    }
    return v;
  }

  static String resourceType(String s) {
    if (s == null || !RESOURCE_TYPE.matcher(s).matches()) {
      throw new IllegalArgumentException("a FHIR resource type is 1 to 64 ASCII letters starting upper-case");
    }
    return s;
  }

  static <T> List<T> list(List<T> l, String name, int max) {
    notNull(l, name);
    if (l.size() > max) {
      throw new IllegalArgumentException(name + " has more than " + max + " items");
    }
    return List.copyOf(l);
  }

  static <T> List<T> distinct(List<T> l, String name, int max) {
    List<T> c = list(l, name, max);
    if (new HashSet<>(c).size() != c.size()) {
      throw new IllegalArgumentException(name + " has duplicates");
    }
    return c;
  }

  static <T extends Comparable<? super T>> List<T> sortedDistinct(List<T> l, String name, int max) {
    List<T> c = list(l, name, max);
    for (int i = 1; i < c.size(); i++) {
      if (c.get(i - 1).compareTo(c.get(i)) >= 0) {
        throw new IllegalArgumentException(name + " must be sorted and without duplicates");
      }
    }
    return c;
  }

  static ByteString bytes(ByteString b, String name, int max) {
    notNull(b, name);
    if (b.size() > max) {
      throw new IllegalArgumentException(name + " is longer than " + max + " bytes");
    }
    return b;
  }

  static List<Digest> ids(List<ParticipantId> l) {
    return l.stream().map(ParticipantId::digest).toList();
  }

  static List<ParticipantId> participants(List<Digest> l) {
    return l.stream().map(ParticipantId::fromDigest).toList();
  }
}

package io.medledger.access;

import java.util.regex.Pattern;

/**
 * An institution's class, a short code of 1 to 8 characters {@code [A-Z0-9]}. The model's
 * classes are {@link #A} (large hospital), {@link #B} (secondary hospital or health authority)
 * and {@link #C} (clinic, pharmacy, laboratory); deployments may define more.
 *
 * <p>Immutable and thread-safe.
 *
 * @param code the class code
 */
public record InstitutionClass(String code) implements Comparable<InstitutionClass> {
  private static final Pattern CODE = Pattern.compile("[A-Z0-9]{1,8}");

  /** Large hospital: by default runs a federation server. */
  public static final InstitutionClass A = new InstitutionClass("A");
  /** Secondary hospital or health authority: by default runs an audit server. */
  public static final InstitutionClass B = new InstitutionClass("B");
  /** Clinic, pharmacy, laboratory. */
  public static final InstitutionClass C = new InstitutionClass("C");

  /** Validates the code. */
  public InstitutionClass {
    if (code == null || !CODE.matcher(code).matches()) {
      throw new IllegalArgumentException("an institution class is 1 to 8 characters A-Z or 0-9");
    }
  }

  @Override
  public int compareTo(InstitutionClass o) {
    return code.compareTo(o.code);
  }

  @Override
  public String toString() {
    return code;
  }
}

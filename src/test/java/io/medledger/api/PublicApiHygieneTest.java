package io.medledger.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No BouncyCastle, Guava or Jackson type may appear in the public signatures of an exported
 * package, so that users never depend on the library's implementation choices.
 */
class PublicApiHygieneTest {
  private static final List<String> FORBIDDEN = List.of("org.bouncycastle.", "com.google.", "com.fasterxml.");

  @Test
  void exportedPackagesExposeNoDependencyTypes() throws Exception {
    List<String> packages = exportedPackages();
    assertTrue(packages.size() >= 10, "expected the exported packages, got " + packages);
    List<String> problems = new ArrayList<>();
    int classes = 0;
    for (String pkg : packages) {
      for (Class<?> c : classesOf(pkg)) {
        if (!Modifier.isPublic(c.getModifiers())) {
          continue;
        }
        classes++;
        check(c.getName() + " extends", c.getGenericSuperclass(), problems);
        for (Type t : c.getGenericInterfaces()) {
          check(c.getName() + " implements", t, problems);
        }
        for (Method x : c.getDeclaredMethods()) {
          if (Modifier.isPublic(x.getModifiers()) || Modifier.isProtected(x.getModifiers())) {
            check(x.toGenericString(), x.getGenericReturnType(), problems);
            for (Type t : x.getGenericParameterTypes()) {
              check(x.toGenericString(), t, problems);
            }
          }
        }
        for (Constructor<?> x : c.getDeclaredConstructors()) {
          if (Modifier.isPublic(x.getModifiers()) || Modifier.isProtected(x.getModifiers())) {
            for (Type t : x.getGenericParameterTypes()) {
              check(x.toGenericString(), t, problems);
            }
          }
        }
        for (Field x : c.getDeclaredFields()) {
          if (Modifier.isPublic(x.getModifiers()) || Modifier.isProtected(x.getModifiers())) {
            check(x.toGenericString(), x.getGenericType(), problems);
          }
        }
      }
    }
    assertTrue(classes > 100, "expected the public API classes, found " + classes);
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /**
   * A public record that holds an array compares it by identity, and prints it as {@code [B@1b6d3586},
   * unless it declares its own {@code equals}, {@code hashCode} and {@code toString}: two decodings
   * of the same bytes would differ. Every such record of an exported package declares all three, so
   * that it is a value like the rest of the API.
   */
  @Test
  void publicRecordsHoldingArraysCompareByValue() throws Exception {
    List<String> problems = new ArrayList<>();
    int records = 0;
    for (Class<?> c : publicRecords()) {
      boolean holdsArray = false;
      for (java.lang.reflect.RecordComponent rc : c.getRecordComponents()) {
        String type = rc.getGenericType().getTypeName();
        holdsArray |= rc.getType().isArray() || type.contains("[]");
      }
      if (!holdsArray) {
        continue;
      }
      records++;
      for (String method : List.of("equals", "hashCode", "toString")) {
        boolean declared = false;
        for (Method x : c.getDeclaredMethods()) {
          // javac's generated record methods are final; hand-written ones here are not
          declared |= x.getName().equals(method) && !Modifier.isFinal(x.getModifiers())
              && x.getParameterCount() == (method.equals("equals") ? 1 : 0);
        }
        if (!declared) {
          problems.add(c.getName() + " holds an array but does not declare " + method);
        }
      }
    }
    assertTrue(records > 10, "expected the records that hold arrays, found " + records);
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /**
   * Values are validated when constructed: no public record of an exported package can be built
   * with every reference component null (primitives zero). Each throws at once, rather than
   * failing later where the null is first used.
   */
  @Test
  void publicRecordsRefuseNullComponents() throws Exception {
    List<String> problems = new ArrayList<>();
    int records = 0;
    for (Class<?> c : publicRecords()) {
      java.lang.reflect.RecordComponent[] rcs = c.getRecordComponents();
      Class<?>[] types = new Class<?>[rcs.length];
      Object[] args = new Object[rcs.length];
      boolean anyReference = false;
      for (int i = 0; i < rcs.length; i++) {
        types[i] = rcs[i].getType();
        args[i] = zeroOrNull(types[i]);
        anyReference |= !types[i].isPrimitive();
      }
      if (!anyReference) {
        continue;
      }
      records++;
      Constructor<?> canonical = c.getDeclaredConstructor(types);
      canonical.setAccessible(true);
      try {
        canonical.newInstance(args);
        problems.add(c.getName() + " was built with null components");
      } catch (java.lang.reflect.InvocationTargetException expected) {
        // refused at construction
      }
    }
    assertTrue(records > 50, "expected the public records, found " + records);
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  private static Object zeroOrNull(Class<?> t) {
    if (!t.isPrimitive()) {
      return null;
    } else if (t == boolean.class) {
      return false;
    } else if (t == char.class) {
      return (char) 0;
    } else if (t == double.class) {
      return 0d;
    } else if (t == float.class) {
      return 0f;
    } else if (t == long.class) {
      return 0L;
    } else if (t == byte.class) {
      return (byte) 0;
    } else if (t == short.class) {
      return (short) 0;
    }
    return 0;
  }

  /**
   * Every public class, interface and record of an exported package states its thread safety in
   * its Javadoc (immutable, thread-safe, or how it may be shared). Exceptions and enums are values
   * by nature and need not say so.
   */
  @Test
  void everyPublicTypeStatesItsThreadSafety() throws Exception {
    Pattern type = Pattern.compile("(/\\*\\*(?:(?!\\*/).)*\\*/)\\s*(?:@\\w+(?:\\([^)]*\\))?\\s*)*public\\s+"
        + "(?:final\\s+|abstract\\s+|sealed\\s+|non-sealed\\s+)*(class|interface|record|enum)\\s+(\\w+)", Pattern.DOTALL);
    Pattern says = Pattern.compile("thread|immutable|stateless|confined", Pattern.CASE_INSENSITIVE);
    List<String> problems = new ArrayList<>();
    int types = 0;
    for (String pkg : exportedPackages()) {
      try (Stream<Path> files = Files.list(Path.of("src/main/java", pkg.replace('.', '/')))) {
        for (Path f : files.filter(x -> x.toString().endsWith(".java") && !x.endsWith("package-info.java")).toList()) {
          String source = Files.readString(f);
          if (!Pattern.compile("(?m)^public\\s").matcher(source).find()) {
            continue; // package-private
          }
          Matcher m = type.matcher(source);
          if (!m.find()) {
            problems.add(f + ": no Javadoc on its public type");
            continue;
          }
          types++;
          if (!m.group(2).equals("enum") && !m.group(3).endsWith("Exception") && !says.matcher(m.group(1)).find()) {
            problems.add(f + ": " + m.group(3) + " does not state its thread safety");
          }
        }
      }
    }
    assertTrue(types > 200, "expected the public types, found " + types);
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  private static List<Class<?>> publicRecords() throws IOException, ClassNotFoundException {
    List<Class<?>> out = new ArrayList<>();
    for (String pkg : exportedPackages()) {
      for (Class<?> c : withMembers(classesOf(pkg))) {
        if (c.isRecord() && Modifier.isPublic(c.getModifiers())) {
          out.add(c);
        }
      }
    }
    return out;
  }

  private static List<String> exportedPackages() throws IOException {
    String moduleInfo = Files.readString(Path.of("src/main/java/module-info.java"));
    Matcher m = Pattern.compile("(?m)^\\s*exports\\s+([\\w.]+);").matcher(moduleInfo);
    List<String> packages = new ArrayList<>();
    while (m.find()) {
      packages.add(m.group(1));
    }
    return packages;
  }

  private static List<Class<?>> withMembers(List<Class<?>> classes) {
    List<Class<?>> out = new ArrayList<>();
    List<Class<?>> todo = new ArrayList<>(classes);
    while (!todo.isEmpty()) {
      Class<?> c = todo.remove(todo.size() - 1);
      if (!out.contains(c)) {
        out.add(c);
        todo.addAll(List.of(c.getDeclaredClasses()));
      }
    }
    return out;
  }

  private static void check(String where, Type t, List<String> problems) {
    if (t == null) {
      return;
    }
    String name = t.getTypeName();
    for (String f : FORBIDDEN) {
      if (name.contains(f)) {
        problems.add(where + " exposes " + name);
      }
    }
  }

  private static List<Class<?>> classesOf(String pkg) throws IOException, ClassNotFoundException {
    Path dir = Path.of("target/classes", pkg.replace('.', '/'));
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(f -> f.toString().endsWith(".class")).toList()) {
        String simple = p.getFileName().toString().replace(".class", "");
        if (simple.equals("package-info")) {
          continue;
        }
        out.add(Class.forName(pkg + "." + simple, false, PublicApiHygieneTest.class.getClassLoader()));
      }
    }
    return out;
  }
}

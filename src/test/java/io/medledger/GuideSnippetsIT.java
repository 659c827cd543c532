package io.medledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block of {@code docs/guide.md}, compiled against the packaged jar on the module path
 * (runtime dependencies without Netty, no test classes, in a package outside the library's) and
 * run in a child JVM of its own. Runs after {@code package}, in the failsafe plugin.
 */
class GuideSnippetsIT {
  private static final Pattern BLOCK = Pattern.compile("```java\n(.*?)\n```", Pattern.DOTALL);
  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern CLASS = Pattern.compile("^public (?:final )?class (\\w+)", Pattern.MULTILINE);
  private static final long RUN_SECONDS = 180;

  record Snippet(int index, String packageName, String className, String source) {
    String binaryName() {
      return packageName + "." + className;
    }
  }

  @Test
  void everyJavaBlockOfTheGuideCompilesAndRuns(@TempDir Path work) throws Exception {
    List<Snippet> snippets = snippets(Files.readString(Path.of("docs/guide.md"), StandardCharsets.UTF_8));
    assertTrue(snippets.size() >= 6, "docs/guide.md should hold the six programs; found " + snippets.size());
    String modulePath = modulePath(false);

    Path src = Files.createDirectories(work.resolve("src"));
    Path out = Files.createDirectories(work.resolve("out"));
    List<Path> files = new ArrayList<>();
    for (Snippet s : snippets) {
      Path dir = Files.createDirectories(src.resolve(s.packageName().replace('.', '/')));
      Path file = dir.resolve(s.className() + ".java");
      assertFalse(Files.exists(file), "two blocks define " + s.binaryName());
      files.add(Files.writeString(file, s.source()));
    }
    compile(files, out, modulePath);

    for (Snippet s : snippets) {
      boolean startsNodes = s.source().contains("import io.medledger.node.Node;");
      run(s, out, startsNodes ? modulePath(true) : modulePath, startsNodes, work.resolve("run-" + s.index() + ".log"),
          Files.createDirectories(work.resolve("tmp")));
    }
  }

  static List<Snippet> snippets(String markdown) {
    List<Snippet> result = new ArrayList<>();
    Matcher m = BLOCK.matcher(markdown);
    while (m.find()) {
      String source = m.group(1) + "\n";
      int index = result.size() + 1;
      Matcher p = PACKAGE.matcher(source);
      Matcher c = CLASS.matcher(source);
      if (!p.find() || !c.find()) {
        fail("Java block " + index + " of docs/guide.md is not a complete program (package and public class):\n" + source);
      }
      assertFalse(p.group(1).startsWith("io.medledger"), "block " + index + " must live outside the library's packages");
      assertTrue(source.contains("public static void main(String[] args)"), "block " + index + " has no main method");
      result.add(new Snippet(index, p.group(1), c.group(1), source));
    }
    return result;
  }

  /**
   * The packaged jar and its runtime dependencies, without Netty (the node transport's optional
   * dependency) unless {@code netty}.
   */
  private static String modulePath(boolean netty) throws IOException {
    Path jar = Path.of(System.getProperty("medledger.jar", "target/medledger.jar"));
    Path lib = Path.of(System.getProperty("medledger.lib", "target/lib"));
    assertTrue(Files.isRegularFile(jar), "the packaged jar is missing: " + jar);
    List<String> entries = new ArrayList<>();
    entries.add(jar.toAbsolutePath().toString());
    try (Stream<Path> jars = Files.list(lib)) {
      jars.filter(p -> p.getFileName().toString().endsWith(".jar"))
          .filter(p -> netty || !p.getFileName().toString().startsWith("netty-"))
          .sorted()
          .forEach(p -> entries.add(p.toAbsolutePath().toString()));
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  private static void compile(List<Path> files, Path out, String modulePath) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
      List<String> options = List.of("-d", out.toString(), "--release", "17", "-Xlint:all", "-Werror",
          "--module-path", modulePath, "--add-modules", "io.medledger");
      boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files)).call();
      String report = diagnostics.getDiagnostics().stream()
          .map(d -> d.getKind() + " " + (d.getSource() == null ? "" : Path.of(d.getSource().toUri()).getFileName())
              + ":" + d.getLineNumber() + ": " + d.getMessage(null))
          .collect(Collectors.joining("\n"));
      assertTrue(ok && diagnostics.getDiagnostics().stream().noneMatch(d -> d.getKind() == Diagnostic.Kind.ERROR),
          "the guide's Java blocks do not compile against the published API:\n" + report);
    }
  }

  /**
   * Runs one program; a program that starts nodes also resolves the optional modules (Netty,
   * RocksDB) that the library {@code requires static}.
   */
  private static void run(Snippet s, Path classes, String modulePath, boolean startsNodes, Path log, Path tmp)
      throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xmx512m", "-Djava.io.tmpdir=" + tmp, "--module-path", modulePath,
        "--add-modules", startsNodes ? "ALL-MODULE-PATH" : "io.medledger", "-cp", classes.toString(), s.binaryName())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    Process process = pb.start();
    try {
      if (!process.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
        fail(s.binaryName() + " did not finish within " + RUN_SECONDS + " s:\n" + Files.readString(log));
      }
      assertEquals(0, process.exitValue(), s.binaryName() + " failed:\n" + Files.readString(log));
      System.out.println(s.binaryName() + ": " + Files.readString(log).strip());
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}

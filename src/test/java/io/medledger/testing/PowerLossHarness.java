package io.medledger.testing;

import io.medledger.testing.PowerLossFileSystem.ForceIgnored;
import io.medledger.testing.PowerLossFileSystem.Survival;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs a store through a simulated power loss at every step of a workload, in the manner of
 * ALICE: a dry run counts the file-system steps the workload takes (opening the store included),
 * then for every step k and every {@link Survival} mode a fresh directory is used, the power is
 * cut just before step k, the store is reopened on what survived, and the scenario checks that
 * every acknowledged operation is there. Reopening must always succeed.
 *
 * <p>To plug a store in, implement {@link Scenario} (see {@code docs/testing.md}).
 */
public final class PowerLossHarness {
  private PowerLossHarness() {}

  /**
   * A store under test.
   *
   * @param <S> the store type
   */
  public interface Scenario<S> {
    /** Opens (creating or recovering) the store under {@code root}, a directory of the power-loss file system. */
    S open(Path root) throws Exception;

    /**
     * Runs the workload: call {@link Acks#attempt} before each operation and {@link Acks#done}
     * when it returned (it is then acknowledged).
     */
    void run(S store, Acks acks) throws Exception;

    /** Checks the reopened store: every acknowledged operation survived, and nothing else is wrong. */
    void check(S reopened, Acks acks) throws Exception;

    /** Releases the store's in-process resources (also after a crash, when its files are gone). */
    void close(S store) throws Exception;

    /** Prepares the directory before the store opens (counted as durable). By default nothing. */
    default void prepare(Path root) throws Exception {}
  }

  /** What the workload attempted and what was acknowledged, in order. */
  public static final class Acks {
    private final List<Object> done = new ArrayList<>();
    private Object inFlight;

    /** An operation on {@code what} starts. */
    public void attempt(Object what) {
      inFlight = what;
    }

    /** The operation on {@code what} returned. */
    public void done(Object what) {
      done.add(what);
      inFlight = null;
    }

    /** The acknowledged operations, in order. */
    public List<Object> acknowledged() {
      return List.copyOf(done);
    }

    /** The operation under way when the power went, or null. */
    public Object inFlight() {
      return inFlight;
    }
  }

  /** The outcome of an exploration. */
  public record Report(long steps, int crashes, List<String> failures) {
    /** Fails with the first few failures if there are any. */
    public void assertNoFailures() {
      if (!failures.isEmpty()) {
        throw new AssertionError(failures.size() + " of " + crashes + " crashes lost acknowledged data or broke "
            + "recovery; first:\n" + String.join("\n\n", failures.subList(0, Math.min(3, failures.size()))));
      }
    }
  }

  /**
   * Crashes {@code scenario} at every step (and once after the last), once per survival mode,
   * in fresh directories under {@code scratch}.
   */
  public static <S> Report explore(Path scratch, Scenario<S> scenario, ForceIgnored ignored, Survival... modes)
      throws Exception {
    long steps;
    {
      PowerLossFileSystem fs = fresh(scratch, scenario);
      long before = fs.steps();
      S s = scenario.open(fs.root());
      scenario.run(s, new Acks());
      scenario.close(s);
      steps = fs.steps() - before;
    }
    List<String> failures = new ArrayList<>();
    int crashes = 0;
    for (long k = 1; k <= steps + 1; k++) {
      for (Survival mode : modes) {
        crashes++;
        String f = crashOnce(scratch, scenario, ignored, k, mode);
        if (f != null) {
          failures.add(f);
        }
      }
    }
    return new Report(steps, crashes, failures);
  }

  /** {@link #explore(Path, Scenario, ForceIgnored, Survival...)} honouring every force, in every mode. */
  public static <S> Report explore(Path scratch, Scenario<S> scenario) throws Exception {
    return explore(scratch, scenario, ForceIgnored.NONE, Survival.values());
  }

  private static <S> String crashOnce(Path scratch, Scenario<S> scenario, ForceIgnored ignored, long k, Survival mode)
      throws Exception {
    PowerLossFileSystem fs = fresh(scratch, scenario);
    fs.ignoreForce(ignored);
    fs.crashAtStep(fs.steps() + k);
    Acks acks = new Acks();
    S s = null;
    try {
      s = scenario.open(fs.root());
      scenario.run(s, acks);
    } catch (Exception | Error e) {
      if (!fs.crashed()) {
        return "crash before step " + k + " (" + mode + "): the workload failed without a crash: " + e + "\n"
            + String.join("\n", fs.log());
      }
    } finally {
      if (s != null) {
        try {
          scenario.close(s);
        } catch (Exception ignoredOnClose) {
          // the machine is off; releasing in-process resources is all that matters
        }
      }
    }
    fs.powerLoss(mode);
    S reopened = null;
    try {
      reopened = scenario.open(fs.root());
      scenario.check(reopened, acks);
      return null;
    } catch (Exception | AssertionError e) {
      return "crash before step " + k + " (" + mode + "), acknowledged " + acks.acknowledged() + ", in flight "
          + acks.inFlight() + ": " + e + "\nsteps:\n" + String.join("\n", fs.log());
    } finally {
      if (reopened != null) {
        scenario.close(reopened);
      }
    }
  }

  private static PowerLossFileSystem fresh(Path scratch, Scenario<?> scenario) throws Exception {
    Path dir = scratch.resolve("run");
    deleteTree(dir);
    Files.createDirectories(dir);
    PowerLossFileSystem fs = PowerLossFileSystem.over(dir);
    scenario.prepare(fs.root());
    fs.syncAll();
    return fs;
  }

  /** Deletes {@code dir} and everything under it (for tests cleaning up). */
  public static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
  }
}

package io.medledger.node;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * {@link NodeMetrics} as JDK Flight Recorder events (category "MedLedger"), with no dependency:
 * record with {@code -XX:StartFlightRecording} or {@code jcmd PID JFR.start}, read with
 * {@code jfr print --events io.medledger.*}. Cost: while no recording enables an event, each call
 * is one allocation-free enabled check (a few nanoseconds); while recording, one small event
 * without a stack trace per block, per submission and per proxy operation. Stateless; thread-safe.
 */
public final class JfrNodeMetrics implements NodeMetrics {
  private JfrNodeMetrics() {}

  /** The adapter. */
  public static NodeMetrics create() {
    return new JfrNodeMetrics();
  }

  @Name("io.medledger.BlockCommitted")
  @Label("Block committed")
  @Category("MedLedger")
  @StackTrace(false)
  static final class BlockCommitted extends Event {
    @Label("Height")
    long height;
    @Label("Entries")
    int entries;
    @Label("Round")
    int round;
  }

  @Name("io.medledger.SubmissionFinal")
  @Label("Submission final")
  @Description("Time from submission on this node to finality on this node")
  @Category("MedLedger")
  @StackTrace(false)
  static final class SubmissionFinal extends Event {
    @Label("Latency")
    @Timespan(Timespan.NANOSECONDS)
    long latency;
  }

  @Name("io.medledger.SubmissionRefused")
  @Label("Submission refused")
  @Category("MedLedger")
  @StackTrace(false)
  static final class SubmissionRefused extends Event {
    @Label("Cause")
    String cause;
  }

  @Name("io.medledger.ProposalRejected")
  @Label("Proposal rejected")
  @Category("MedLedger")
  @StackTrace(false)
  static final class ProposalRejected extends Event {
    @Label("Height")
    long height;
    @Label("Round")
    int round;
  }

  @Name("io.medledger.Peers")
  @Label("Peers")
  @Category("MedLedger")
  @StackTrace(false)
  static final class Peers extends Event {
    @Label("Connected")
    int connected;
    @Label("Configured")
    int configured;
  }

  @Name("io.medledger.ProxyReencryption")
  @Label("Proxy re-encryption")
  @Category("MedLedger")
  @StackTrace(false)
  static final class ProxyReencryption extends Event {
    @Label("Duration")
    @Timespan(Timespan.NANOSECONDS)
    long nanos;
    @Label("Succeeded")
    boolean ok;
  }

  @Name("io.medledger.ProxyFragment")
  @Label("Proxy key fragment")
  @Category("MedLedger")
  @StackTrace(false)
  static final class ProxyFragment extends Event {
    @Label("Taken")
    boolean ok;
  }

  @Override
  public void blockCommitted(long height, int entries, int round) {
    BlockCommitted e = new BlockCommitted();
    if (e.shouldCommit()) {
      e.height = height;
      e.entries = entries;
      e.round = round;
      e.commit();
    }
  }

  @Override
  public void submissionFinal(long nanos) {
    SubmissionFinal e = new SubmissionFinal();
    if (e.shouldCommit()) {
      e.latency = nanos;
      e.commit();
    }
  }

  @Override
  public void submissionRefused(SubmissionRefusedException.Cause cause) {
    SubmissionRefused e = new SubmissionRefused();
    if (e.shouldCommit()) {
      e.cause = cause.name();
      e.commit();
    }
  }

  @Override
  public void proposalRejected(long height, int round) {
    ProposalRejected e = new ProposalRejected();
    if (e.shouldCommit()) {
      e.height = height;
      e.round = round;
      e.commit();
    }
  }

  @Override
  public void peers(int connected, int configured) {
    Peers e = new Peers();
    if (e.shouldCommit()) {
      e.connected = connected;
      e.configured = configured;
      e.commit();
    }
  }

  @Override
  public void proxyReencryption(long nanos, boolean ok) {
    ProxyReencryption e = new ProxyReencryption();
    if (e.shouldCommit()) {
      e.nanos = nanos;
      e.ok = ok;
      e.commit();
    }
  }

  @Override
  public void proxyFragment(boolean ok) {
    ProxyFragment e = new ProxyFragment();
    if (e.shouldCommit()) {
      e.ok = ok;
      e.commit();
    }
  }
}

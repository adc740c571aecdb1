package io.fashionclassifier.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT handled by the command rather than by the JVM's default, which runs the shutdown hooks and
 * then exits with 128 + the signal number: a long-running command that stops cleanly on request should exit with
 * 0, as Kubernetes and docker expect of a graceful stop. {@code sun.misc.Signal} is the one way to do this in Java
 * (module jdk.unsupported, kept for exactly this use).
 */
final class TerminationSignals {

  private TerminationSignals() {}

  /** Runs {@code stop} (on a signal-handler thread) instead of exiting when SIGTERM or SIGINT arrives. */
  static void onStop(Runnable stop) {
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> stop.run());
    }
  }
}

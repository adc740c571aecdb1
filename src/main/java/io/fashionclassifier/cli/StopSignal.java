package io.fashionclassifier.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Ctrl-C and SIGTERM for a command that must clean up before the JVM exits (flush a producer, stop a broker):
 * the signal only sets {@link #requested()}, and the JVM waits until the command's work is {@link #close() done}.
 *
 * <pre>{@code
 * try (StopSignal stop = StopSignal.install("scan")) {
 *   while (!stop.requested()) { ... }
 * }
 * }</pre>
 */
final class StopSignal implements AutoCloseable {

  private final CountDownLatch requested = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private final Thread hook;

  private StopSignal(String name) {
    hook = new Thread(() -> {
      requested.countDown();
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name + "-stop");
  }

  static StopSignal install(String name) {
    StopSignal signal = new StopSignal(name);
    Runtime.getRuntime().addShutdownHook(signal.hook);
    return signal;
  }

  boolean requested() {
    return requested.getCount() == 0;
  }

  /** Blocks until a stop is requested. */
  void await() throws InterruptedException {
    requested.await();
  }

  /** The command is done: lets a waiting shutdown go on, or removes the hook when there was no signal. */
  @Override
  public void close() {
    done.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running and was waiting for `done`
    }
  }
}

package io.fashionclassifier.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the CPU goes during a run, from a snapshot before and one after: the stream threads (Kafka work and the
 * calling thread of each model call), the JVM's other Java threads (clients, the reader), the process's native
 * threads (MXNet's OpenMP workers, and the JVM's own JIT compiler and GC threads, which are not Java threads),
 * and the child processes (the local broker).
 */
final class CpuTime {

  /** CPU seconds over a run, by where they were spent, and the wall seconds they were spent in. */
  record Split(double wallSeconds, double streamThreads, double otherJavaThreads, double nativeThreads,
      double childProcesses) {}

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final long wall;
  private final long process;
  private final Map<Long, Long> stream;
  private final Map<Long, Long> java;
  private final long children;

  private CpuTime(long wall, long process, Map<Long, Long> stream, Map<Long, Long> java, long children) {
    this.wall = wall;
    this.process = process;
    this.stream = stream;
    this.java = java;
    this.children = children;
  }

  @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
  static CpuTime now() {
    Map<Long, Long> stream = new HashMap<>();
    Map<Long, Long> java = new HashMap<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      long cpu = THREADS.getThreadCpuTime(thread.getId());
      if (cpu >= 0) {
        (thread.getName().contains("-StreamThread-") ? stream : java).put(thread.getId(), cpu);
      }
    }
    long children = ProcessHandle.current().descendants()
        .mapToLong(child -> child.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
        .sum();
    return new CpuTime(System.nanoTime(), processCpu(), stream, java, children);
  }

  /**
   * The split from {@code start} to this snapshot. A thread that ended in between is missed by the per-thread
   * figures and counted as native; runs are measured while their threads live.
   */
  Split since(CpuTime start) {
    double streamSeconds = delta(stream, start.stream) / 1e9;
    double javaSeconds = delta(java, start.java) / 1e9;
    double processSeconds = (process - start.process) / 1e9;
    return new Split((wall - start.wall) / 1e9, streamSeconds, javaSeconds,
        Math.max(0, processSeconds - streamSeconds - javaSeconds), (children - start.children) / 1e9);
  }

  /** CPU of each thread alive now since {@code before} (all of it for threads started since). */
  private static long delta(Map<Long, Long> now, Map<Long, Long> before) {
    long total = 0;
    for (Map.Entry<Long, Long> thread : now.entrySet()) {
      total += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
    }
    return total;
  }

  private static long processCpu() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }
}

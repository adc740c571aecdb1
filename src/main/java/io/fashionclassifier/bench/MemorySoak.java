package io.fashionclassifier.bench;

import ai.djl.ndarray.NDManager;
import io.fashionclassifier.model.BatchClassifier;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Native memory over a long run of inference: the process's resident set size and the number of live NDArrays
 * while one classifier labels many batches, as the stream classifier's does for as long as it runs.
 */
final class MemorySoak {

  /** The first checkpoint of the comparison, as a fraction of the run: growth is measured from here to the end. */
  static final double FROM = 0.2;
  private static final int SAMPLES = 50;

  /**
   * @param rssBytes resident set size of this process, or -1 where /proc is not available
   * @param heapCommittedBytes the JVM heap's committed size: RSS that grows with it is the Java heap expanding,
   *     not native memory
   * @param ndArrays NDArrays alive in the whole engine (the model's parameters included)
   */
  record Sample(long records, double seconds, long rssBytes, long heapCommittedBytes, int ndArrays) {}

  /**
   * @param rssGrowth relative RSS growth between {@link #FROM} of the records and the end
   * @param heapGrowthBytes growth of the committed JVM heap over the same span, part of the RSS growth
   * @param ndArrayGrowth NDArrays alive at the end minus those alive at {@link #FROM}
   */
  record Result(int batchSize, long records, double seconds, List<Sample> samples, double rssGrowth,
      long heapGrowthBytes, long ndArrayGrowth) {}

  private MemorySoak() {}

  static Result run(Supplier<BatchClassifier> classifiers, List<byte[]> images, int batchSize, long records) {
    List<Sample> samples = new ArrayList<>();
    long every = Math.max(batchSize, records / SAMPLES);
    long from = (long) (records * FROM);
    Sample atFrom = null;
    long start = System.nanoTime();
    try (BatchClassifier classifier = classifiers.get()) {
      InferenceSweep.Cursor cursor = new InferenceSweep.Cursor(images);
      samples.add(sample(0, start));
      long done = 0;
      long nextSample = every;
      while (done < records) {
        int size = (int) Math.min(batchSize, records - done);
        done += classifier.classify(cursor.next(size)).size();
        if (done >= nextSample || done == records) {
          Sample sample = sample(done, start);
          samples.add(sample);
          nextSample += every;
          if (atFrom == null && done >= from) {
            atFrom = sample;
          }
        }
      }
    }
    Sample last = samples.get(samples.size() - 1);
    double rssGrowth = atFrom == null || atFrom.rssBytes() <= 0
        ? Double.NaN : (double) (last.rssBytes() - atFrom.rssBytes()) / atFrom.rssBytes();
    return new Result(batchSize, records, (System.nanoTime() - start) / 1e9, samples, rssGrowth,
        atFrom == null ? 0 : last.heapCommittedBytes() - atFrom.heapCommittedBytes(),
        atFrom == null ? 0 : last.ndArrays() - atFrom.ndArrays());
  }

  private static Sample sample(long records, long start) {
    return new Sample(records, (System.nanoTime() - start) / 1e9, residentBytes(),
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted(), liveNdArrays());
  }

  /** NDArrays alive under the engine's system manager, which every other manager descends from. */
  static int liveNdArrays() {
    try (NDManager probe = NDManager.newBaseManager()) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }

  /** VmRSS of this process, from /proc (Linux), or -1. */
  static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return 1024 * Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: reported as unknown
    }
    return -1;
  }
}

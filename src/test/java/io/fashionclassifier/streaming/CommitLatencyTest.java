package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How long outputs wait for their commit, as the stream thread forwards and its producer commits. */
class CommitLatencyTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CommitLatency commits = new CommitLatency(registry);

  private Timer timer(String name) {
    return registry.find(name).timer();
  }

  @Test
  void aCommitTimesEveryRecordForwardedSinceTheLastOne() {
    commits.forwarded(3, 1_000);
    commits.forwarded(2, 1_001);
    long started = System.nanoTime();

    commits.committed(started);

    assertThat(timer("fashion.commit.wait").count()).isEqualTo(5);
    assertThat(timer("fashion.commit.time").count()).isEqualTo(1);

    commits.committed(System.nanoTime());
    assertThat(timer("fashion.commit.wait").count()).as("nothing forwarded since").isEqualTo(5);
    assertThat(timer("fashion.commit.time").count()).isEqualTo(2);
  }

  @Test
  void aRecordWaitsFromItsForwardToTheEndOfTheCommit() throws Exception {
    long before = System.nanoTime();
    commits.forwarded(1, 1_000);
    long started = System.nanoTime();
    // the commit takes at least this long: a real one waits on the brokers
    while (System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(20)) {
      Thread.onSpinWait();
    }

    commits.committed(started);
    long after = System.nanoTime();

    assertThat(timer("fashion.commit.wait").max(TimeUnit.NANOSECONDS))
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20)).isLessThanOrEqualTo(after - before);
  }

  @Test
  void anAbortedTransactionsOutputsAreNotTimed() {
    commits.forwarded(4, 1_000);

    commits.aborted();
    commits.committed(System.nanoTime());

    assertThat(timer("fashion.commit.wait").count()).isZero();
  }

  @Test
  void aThreadsCommitCoversOnlyWhatThatThreadForwarded() throws Exception {
    Thread other = new Thread(() -> commits.forwarded(7, 1_000));
    other.start();
    other.join();
    commits.forwarded(1, 1_000);

    commits.committed(System.nanoTime());

    assertThat(timer("fashion.commit.wait").count()).isEqualTo(1);
  }

  @Test
  void theListenerHearsOfEachBatchTheCommitMadeVisible() {
    List<long[]> heard = new ArrayList<>();
    commits.listen((classifiedTime, committedAt) -> heard.add(new long[] {classifiedTime, committedAt}));
    commits.forwarded(3, 1_000);
    commits.forwarded(2, 1_001);
    long before = System.currentTimeMillis();

    commits.committed(System.nanoTime());

    assertThat(heard).extracting(pair -> pair[0]).containsExactly(1_000L, 1_001L);
    assertThat(heard).allSatisfy(pair -> assertThat(pair[1]).isBetween(before, System.currentTimeMillis()));
  }
}

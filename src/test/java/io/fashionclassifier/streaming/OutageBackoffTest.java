package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.serde.SchemaRegistryAccessException;
import io.fashionclassifier.serde.SchemaRegistryException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class OutageBackoffTest {

  private final AtomicLong progress = new AtomicLong();
  /** The largest draw: each pause is its ceiling. */
  private final OutageBackoff backoff = new OutageBackoff(Duration.ofSeconds(2), progress::get, bound -> bound);

  @Test
  void ceilingsDoubleUpToTheBound() {
    assertThat(backoff.failed()).isEqualTo(Duration.ofMillis(250));
    assertThat(backoff.failed()).isEqualTo(Duration.ofMillis(500));
    assertThat(backoff.failed()).isEqualTo(Duration.ofMillis(1000));
    assertThat(backoff.failed()).isEqualTo(Duration.ofMillis(2000));
    assertThat(backoff.failed()).isEqualTo(Duration.ofMillis(2000));
  }

  @Test
  void eachPauseIsDrawnBetweenHalfItsCeilingAndTheCeiling() {
    OutageBackoff shortest = new OutageBackoff(Duration.ofSeconds(2), progress::get, bound -> 0);
    assertThat(shortest.failed()).isEqualTo(Duration.ofMillis(125));
    assertThat(shortest.failed()).isEqualTo(Duration.ofMillis(250));
    assertThat(shortest.failed()).isEqualTo(Duration.ofMillis(500));
    assertThat(shortest.failed()).isEqualTo(Duration.ofMillis(1000));
  }

  @Test
  void instancesThatFailTogetherDoNotRetryInStep() {
    Set<Duration> pauses = new HashSet<>();
    for (int instance = 0; instance < 8; instance++) {
      OutageBackoff random = new OutageBackoff(Duration.ofSeconds(30), progress::get);
      for (int failure = 0; failure < 5; failure++) {
        random.failed();
      }
      Duration sixth = random.failed();
      assertThat(sixth).isBetween(Duration.ofMillis(4000), Duration.ofMillis(8000));
      pauses.add(sixth);
    }
    assertThat(pauses).as("eight instances' sixth pauses").hasSizeGreaterThan(4);
  }

  @Test
  void progressEndsTheOutageAndStartsTheNextOneFromTheFirstPause() {
    backoff.failed();
    backoff.failed();
    assertThat(backoff.active()).isTrue();

    progress.incrementAndGet();

    assertThat(backoff.active()).isFalse();
    assertThat(backoff.failed()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void closingCutsAPauseShort() {
    backoff.close();
    assertThat(backoff.pause(Duration.ofHours(1))).isFalse();
  }

  @Test
  void aRegistryOutageReplacesTheStreamThreadInsteadOfStoppingTheApp() {
    SchemaRegistryAccessException outage = new SchemaRegistryAccessException(
        "Error fetching schema 1", "inventory-images", false, 1,
        new SchemaRegistryException("connection refused", -1, -1));
    backoff.close(); // no real pause in a unit test

    assertThat(ClassifierApp.uncaught(new StreamsException(outage), backoff))
        .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    assertThat(backoff.active()).as("not ready meanwhile").isTrue();
  }

  @Test
  void anAbortedBatchReplacesTheStreamThread() {
    assertThat(ClassifierApp.uncaught(
            new StreamsException(new FlushAbortedException("part-way", new IllegalStateException())), backoff))
        .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
  }

  @Test
  void anyOtherFailureStopsTheInstance() {
    assertThat(ClassifierApp.uncaught(new StreamsException(new IllegalStateException("bug")), backoff))
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }

  @Test
  void aTransactionTheBrokersLostReplacesTheThreadAFewTimesThenStopsTheInstance() {
    StreamsException lost = new StreamsException(
        new org.apache.kafka.common.errors.InvalidTxnStateException("the broker died mid-commit"));
    for (int i = 0; i < 5; i++) {
      assertThat(ClassifierApp.uncaught(lost, backoff)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }
    assertThat(ClassifierApp.uncaught(lost, backoff)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }
}

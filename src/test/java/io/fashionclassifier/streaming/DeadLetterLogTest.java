package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Issue 21, finding 8: hostile input makes one WARN line per reason and interval, with counts, not one per record. */
class DeadLetterLogTest {

  private final AtomicLong nanos = new AtomicLong();
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private DeadLetterLog log;

  @BeforeEach
  void setUp() {
    Logger logger = (Logger) LoggerFactory.getLogger("dead-letter-log-test-" + System.nanoTime());
    logger.addAppender(lines);
    lines.start();
    log = new DeadLetterLog(logger, Duration.ofSeconds(10), nanos::get);
  }

  @Test
  void aFloodOfOneReasonMakesOneLinePerIntervalThatCountsTheRest() {
    for (int i = 0; i < 10_000; i++) {
      log.deadLettered("PROCESSING", "images-0 offset " + i);
    }
    nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    log.deadLettered("PROCESSING", "images-0 offset 10000");

    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "dead letter (PROCESSING) from images-0 offset 0",
        "dead letter (PROCESSING) from images-0 offset 10000 (9999 more with this reason not logged since the last "
            + "line)");
  }

  @Test
  void eachReasonHasItsOwnLine() {
    log.deadLettered("PROCESSING", "a");
    log.deadLettered("DESERIALIZATION", "b");
    log.deadLettered("PROCESSING", "c");

    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "dead letter (PROCESSING) from a", "dead letter (DESERIALIZATION) from b");
  }
}

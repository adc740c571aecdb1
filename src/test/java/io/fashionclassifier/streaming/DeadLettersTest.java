package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.serde.SchemaRegistryAccessException;
import io.fashionclassifier.serde.SchemaRegistryException;
import io.fashionclassifier.serde.TruncatedPayloadException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.internals.DefaultErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** The handlers' decisions (issue 21, findings 2 and 8): only a record's own fault makes a dead letter. */
class DeadLettersTest {

  private static final Map<String, Object> CONFIGS = Map.of(
      StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "dlq",
      DeadLetters.METRICS_CONFIG, ClassifierMetrics.discarding());

  private static ErrorHandlerContext context() {
    return new DefaultErrorHandlerContext(null, "images", 0, 7, new RecordHeaders(), "micro-batcher",
        new TaskId(0, 0), 0, "key".getBytes(StandardCharsets.UTF_8), "value".getBytes(StandardCharsets.UTF_8));
  }

  private static ProcessingExceptionHandler.Response processing(Exception exception) {
    DeadLetters.ProcessingHandler handler = new DeadLetters.ProcessingHandler();
    handler.configure(CONFIGS);
    return handler.handleError(context(), new Record<>("key", "value", 0), exception);
  }

  @Test
  void anInvalidImageIsADeadLetter() {
    ProcessingExceptionHandler.Response response = processing(new InvalidImageException("image is 27x28"));

    assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).hasSize(1);
  }

  @Test
  void bytesThatDoNotDecodeAreADeadLetter() {
    ProcessingExceptionHandler.Response response =
        processing(new TruncatedPayloadException("3 bytes", "images", false, -1, null));

    assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
  }

  @Test
  void aSendErrorOfAnEarlierRecordSurfacingInThisOneIsNotADeadLetter() {
    // under at_least_once the record collector throws an earlier send's error from the next send, inside process()
    ProcessingExceptionHandler.Response response =
        processing(new StreamsException("Error encountered sending record", new TimeoutException("expired")));

    assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
    assertThat(response.deadLetterQueueRecords()).isEmpty();
  }

  @Test
  void aBugIsNotADeadLetter() {
    assertThat(processing(new NullPointerException()).result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
  }

  @Test
  void anOutputTheRegistryRefusesFailsTheBatchRatherThanDroppingIt() {
    DeadLetters.ProductionHandler handler = new DeadLetters.ProductionHandler();
    handler.configure(CONFIGS);
    SchemaRegistryAccessException refused = new SchemaRegistryAccessException("Error registering schema",
        "classified-items", false, -1, "classified-items-value",
        new SchemaRegistryException("incompatible", 409, SchemaRegistryException.INCOMPATIBLE_SCHEMA));

    ProductionExceptionHandler.Response response = handler.handleSerializationError(context(),
        new ProducerRecord<>("classified-items", "key", "value"), refused,
        ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);

    assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
    assertThat(DeadLetters.isOutage(refused)).isTrue();
  }

  @Test
  void anOutputTooLargeToSendFailsTheBatchRatherThanDroppingIt() {
    DeadLetters.ProductionHandler handler = new DeadLetters.ProductionHandler();
    handler.configure(CONFIGS);

    ProductionExceptionHandler.Response response = handler.handleError(context(),
        new ProducerRecord<>("changelog", new byte[1], new byte[1]), new RecordTooLargeException("too large"));

    assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
  }

  @Test
  void aLetterWhoseOriginalHeadersDoNotFitLeavesThemOutAndKeepsItsValue() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("trace", new byte[2_000]);
    headers.add(DeadLetters.MESSAGE, "bad".getBytes(StandardCharsets.UTF_8));
    byte[] value = new byte[500];

    DeadLetters.Letter letter = DeadLetters.fitted(null, value, headers, 1_000);

    assertThat(letter.value()).isEqualTo(value);
    assertThat(letter.headers().lastHeader("trace")).isNull();
    assertThat(letter.headers().lastHeader(DeadLetters.MESSAGE)).isNotNull();
    assertThat(new String(letter.headers().lastHeader(DeadLetters.HEADERS_DROPPED).value(), StandardCharsets.UTF_8))
        .isEqualTo("1");
  }

  @Test
  void aLetterTooLargeEvenWithoutItsHeadersIsCutToTheLimit() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("trace", new byte[2_000]);
    byte[] value = new byte[5_000];

    DeadLetters.Letter letter = DeadLetters.fitted(new byte[10], value, headers, 1_000);

    long size = letter.key().length + letter.value().length;
    for (var header : letter.headers()) {
      size += header.key().length() + header.value().length;
    }
    assertThat(size).isLessThanOrEqualTo(1_000);
    assertThat(letter.truncated()).isTrue();
    assertThat(letter.headers().lastHeader(DeadLetters.TRUNCATED)).isNotNull();
  }
}

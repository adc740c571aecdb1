package io.fashionclassifier.streaming;

import static io.fashionclassifier.streaming.TestImages.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.serde.AvroSerdeConfig;
import io.fashionclassifier.serde.KafkaAvroSerializer;
import io.fashionclassifier.serde.MockSchemaRegistry;
import io.fashionclassifier.serde.RecordNameStrategy;
import io.fashionclassifier.serde.SchemaRegistryClient;
import io.fashionclassifier.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Thousands of generated hostile values through the real deserializer and the production topology: every one ends
 * as a dead letter or a verdict, nothing escapes to stop the stream thread, and a good record sent after each is
 * classified exactly once.
 */
class HostileInputFuzzTest {

  private static final int CASES = 2_000;
  private static final long SEED = 20261201L;

  @Test
  void everyHostileValueEndsAsADeadLetterOrAVerdictAndEveryGoodOneIsClassifiedOnce() {
    assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
      try (TopologyFixture fixture = new TopologyFixture(8, Duration.ofMillis(50))) {
        Generator generator = new Generator(fixture, new Random(SEED));
        Set<String> good = new HashSet<>();
        for (int i = 0; i < CASES; i++) {
          byte[] hostile = generator.next(i);
          // pipeInput would throw if a record stopped the stream thread
          fixture.input.pipeInput("hostile-" + i, hostile);
          String id = "good-" + i;
          fixture.pipe(image(id, i % 250, FashionClass.values()[i % 10]));
          good.add(id);
        }
        fixture.driver.advanceWallClockTime(Duration.ofSeconds(1));

        Map<String, Integer> verdicts = new HashMap<>();
        fixture.classified.readKeyValuesToList().forEach(kv -> verdicts.merge(kv.key, 1, Integer::sum));
        long hostileDeadLetters = fixture.deadLetters.readRecordsToList().stream()
            .filter(letter -> letter.key() != null && new String(letter.key()).startsWith("hostile-"))
            .count();
        long hostileVerdicts = verdicts.keySet().stream().filter(key -> !good.contains(key))
            .mapToLong(verdicts::get).sum();

        assertThat(good).allSatisfy(id -> assertThat(verdicts.get(id)).as(id).isEqualTo(1));
        assertThat(hostileDeadLetters + hostileVerdicts)
            .as("each hostile value is a dead letter or (a mutation that is still a valid image) a verdict")
            .isEqualTo(CASES);
        assertThat(hostileDeadLetters).as("most hostile values are dead letters").isGreaterThan(CASES * 9L / 10);
      }
    });
  }

  /** Hostile values of five families, in turn. */
  private static final class Generator {
    private final TopologyFixture fixture;
    private final Random random;
    private final byte[] valid;
    private final KafkaAvroSerializer stray;
    private final SchemaRegistryClient registry;
    private final List<Schema> otherSchemas = new ArrayList<>();

    Generator(TopologyFixture fixture, Random random) {
      this.fixture = fixture;
      this.random = random;
      this.valid = fixture.bytes(image("valid", 3, FashionClass.BAG));
      this.stray = new KafkaAvroSerializer();
      stray.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, fixture.registryUrl,
          AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, RecordNameStrategy.class.getName()), false);
      this.registry = MockSchemaRegistry.getClientForScope(fixture.registryUrl.substring("mock://".length()));
      for (String schema : List.of("\"string\"", "\"int\"", "\"bytes\"", "{\"type\":\"array\",\"items\":\"long\"}",
          "{\"type\":\"map\",\"values\":\"string\"}", "\"null\"")) {
        otherSchemas.add(new Schema.Parser().parse(schema));
      }
    }

    byte[] next(int i) throws IOException {
      return switch (i % 5) {
        case 0 -> randomBytes();
        case 1 -> mutated();
        case 2 -> otherRecordType(i);
        case 3 -> otherSchema();
        default -> extreme();
      };
    }

    private byte[] randomBytes() {
      byte[] bytes = new byte[random.nextInt(2_000)];
      random.nextBytes(bytes);
      if (bytes.length > 0 && random.nextBoolean()) {
        bytes[0] = WireFormat.MAGIC_BYTE;
      }
      return bytes;
    }

    private byte[] mutated() {
      byte[] bytes = valid.clone();
      switch (random.nextInt(3)) {
        case 0 -> {
          for (int flips = 1 + random.nextInt(8); flips > 0; flips--) {
            bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
          }
        }
        case 1 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
        default -> {
          byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(64));
          for (int j = bytes.length; j < longer.length; j++) {
            longer[j] = (byte) random.nextInt(256);
          }
          bytes = longer;
        }
      }
      return bytes;
    }

    private byte[] otherRecordType(int i) {
      if (random.nextBoolean()) {
        return stray.serialize(TopologyFixture.INPUT, ClassifiedItem.newBuilder()
            .setItemId("copied-" + i).setScannerId("s").setWarehouseId("w").setCaptureTime(Instant.EPOCH)
            .setPredictedLabel(FashionClass.BAG).setConfidence(0.9f).setTopK(List.of()).setModelVersion("v")
            .setClassifiedTime(Instant.EPOCH).setTrueLabel(null).setCorrect(null).build());
      }
      return stray.serialize(TopologyFixture.INPUT, AccuracyAggregate.newBuilder(AccuracyAggregates.empty())
          .setScope(io.fashionclassifier.schema.AggregateScope.OVERALL).setKey("all").build());
    }

    /** A value that is valid Avro of a primitive, array or map schema registered in the registry. */
    private byte[] otherSchema() throws IOException {
      Schema schema = otherSchemas.get(random.nextInt(otherSchemas.size()));
      int id = registry.register("other-" + schema.getType().getName(), schema);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(WireFormat.MAGIC_BYTE);
      out.write(ByteBuffer.allocate(4).putInt(id).array());
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      switch (schema.getType()) {
        case STRING -> encoder.writeString("x".repeat(random.nextInt(100)));
        case INT -> encoder.writeInt(random.nextInt());
        case BYTES -> encoder.writeBytes(new byte[random.nextInt(100)]);
        case ARRAY -> {
          encoder.writeArrayStart();
          encoder.setItemCount(3);
          for (int j = 0; j < 3; j++) {
            encoder.startItem();
            encoder.writeLong(j);
          }
          encoder.writeArrayEnd();
        }
        case MAP -> {
          encoder.writeMapStart();
          encoder.setItemCount(1);
          encoder.startItem();
          encoder.writeString("k");
          encoder.writeString("v");
          encoder.writeMapEnd();
        }
        default -> encoder.writeNull();
      }
      encoder.flush();
      return out.toByteArray();
    }

    /** The valid header, then a length or count far beyond the bytes that follow. */
    private byte[] extreme() {
      byte[] header = java.util.Arrays.copyOf(valid, WireFormat.HEADER_SIZE);
      ByteBuffer body = ByteBuffer.allocate(WireFormat.HEADER_SIZE + 20).put(header);
      long huge = switch (random.nextInt(4)) {
        case 0 -> Integer.MAX_VALUE;
        case 1 -> Long.MAX_VALUE / 2;
        case 2 -> -1 - random.nextInt(1000);
        default -> 1 + random.nextInt(1 << 20);
      };
      long zigzag = (huge << 1) ^ (huge >> 63);
      while ((zigzag & ~0x7FL) != 0) {
        body.put((byte) ((zigzag & 0x7F) | 0x80));
        zigzag >>>= 7;
      }
      body.put((byte) zigzag);
      return java.util.Arrays.copyOf(body.array(), body.position());
    }
  }
}

package io.fashionclassifier.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.local.ApicurioRegistryExtension;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability with Confluent's own client: src/test/js/interop.js runs the official JavaScript Schema Registry
 * client ({@code @confluentinc/schemaregistry}) against the same Apicurio registry. Needs Node 20+ and
 * {@code npm ci} in src/test/js (.ci/run does it); fails, rather than skips, when they are missing.
 */
@Tag("integration")
@ExtendWith(ApicurioRegistryExtension.class)
class ConfluentJsInteropTest {

  private static final Path JS_DIR = Path.of("src/test/js");
  private static final ObjectMapper JSON = new ObjectMapper();

  private String url;
  private String topic;
  private Map<String, String> config;

  @BeforeEach
  void setUp(ApicurioRegistry registry) {
    url = registry.confluentUrl();
    topic = "interop-" + UUID.randomUUID();
    config = Map.of("schema.registry.url", url);
  }

  @Test
  void javascriptReadsWhatJavaWrote(@TempDir Path tmp) throws Exception {
    List<InventoryImage> images = List.of(TestRecords.image("java-1", FashionClass.BAG),
        TestRecords.image("java-2", null));
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config, false);
    List<String> payloads = new ArrayList<>();
    for (InventoryImage image : images) {
      payloads.add(Base64.getEncoder().encodeToString(serializer.serialize(topic, image)));
    }
    Path file = tmp.resolve("payloads.json");
    JSON.writeValue(file.toFile(), payloads);

    JsonNode records = JSON.readTree(node("read", url, topic, file.toAbsolutePath().toString()));

    assertThat(records).hasSize(2);
    for (int i = 0; i < images.size(); i++) {
      InventoryImage expected = images.get(i);
      JsonNode actual = records.get(i);
      assertThat(actual.path("itemId").asText()).isEqualTo(expected.getItemId());
      assertThat(actual.path("scannerId").asText()).isEqualTo(expected.getScannerId());
      assertThat(actual.path("warehouseId").asText()).isEqualTo(expected.getWarehouseId());
      assertThat(actual.path("captureTime").asLong()).isEqualTo(expected.getCaptureTime().toEpochMilli());
      assertThat(actual.path("width").asInt()).isEqualTo(28);
      assertThat(actual.path("height").asInt()).isEqualTo(28);
      assertThat(Base64.getDecoder().decode(actual.path("pixels").asText()))
          .isEqualTo(bytes(expected.getPixels()));
      assertThat(actual.path("label").isNull() ? null : actual.path("label").asText())
          .isEqualTo(expected.getLabel() == null ? null : expected.getLabel().name());
    }
  }

  @Test
  void javaReadsWhatJavascriptWrote() throws Exception {
    // The JavaScript producer writes with the subject's latest schema, which the Java side registers.
    int id = new RestSchemaRegistryClient(new AvroSerdeConfig(config))
        .register(topic + "-value", InventoryImage.getClassSchema());

    JsonNode payloads = JSON.readTree(node("write", url, topic));
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(config, false);
    List<InventoryImage> images = new ArrayList<>();
    for (JsonNode payload : payloads) {
      byte[] bytes = Base64.getDecoder().decode(payload.asText());
      assertThat(bytes[0]).isEqualTo(WireFormat.MAGIC_BYTE);
      assertThat(WireFormat.schemaId(bytes)).isEqualTo(id);
      images.add(deserializer.deserialize(topic, bytes));
    }

    assertThat(images).hasSize(2);
    InventoryImage first = images.get(0);
    assertThat(first.getItemId()).isEqualTo("js-1");
    assertThat(first.getScannerId()).isEqualTo("js-scanner");
    assertThat(first.getWarehouseId()).isEqualTo("wh-js");
    assertThat(first.getCaptureTime()).isEqualTo(Instant.ofEpochMilli(1_764_000_000_123L));
    assertThat(first.getWidth()).isEqualTo(28);
    assertThat(first.getHeight()).isEqualTo(28);
    assertThat(bytes(first.getPixels())).isEqualTo(jsPixels(3));
    assertThat(first.getLabel()).isEqualTo(FashionClass.SANDAL);
    InventoryImage second = images.get(1);
    assertThat(second.getItemId()).isEqualTo("js-2");
    assertThat(second.getCaptureTime()).isEqualTo(Instant.ofEpochMilli(1_764_000_000_456L));
    assertThat(bytes(second.getPixels())).isEqualTo(jsPixels(5));
    assertThat(second.getLabel()).isNull();
  }

  /** The pixels interop.js builds: {@code (i * seed) % 256}. */
  private static byte[] jsPixels(int seed) {
    byte[] pixels = new byte[28 * 28];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) ((i * seed) % 256);
    }
    return pixels;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  /** Runs interop.js and returns its stdout; fails with its stderr when it fails. */
  private static String node(String... args) throws IOException, InterruptedException {
    if (!Files.isDirectory(JS_DIR.resolve("node_modules/@confluentinc/schemaregistry"))) {
      throw new AssertionError("Confluent's JavaScript client is not installed: run `npm ci` in " + JS_DIR
          + " (Node 20+; .ci/run does it) before this test");
    }
    List<String> command = new ArrayList<>(List.of("node", "interop.js"));
    command.addAll(List.of(args));
    Path stdout = Files.createTempFile("interop-js-", ".out");
    Path stderr = Files.createTempFile("interop-js-", ".err");
    // to files, not pipes: reading a pipe would block past the timeout if node hung
    Process process = new ProcessBuilder(command).directory(JS_DIR.toFile())
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    try {
      boolean finished = process.waitFor(90, TimeUnit.SECONDS);
      String err = Files.readString(stderr, StandardCharsets.UTF_8);
      if (!finished) {
        throw new AssertionError("node interop.js " + args[0] + " did not finish within 90 s; stderr:\n" + err);
      }
      assertThat(process.exitValue()).as("node interop.js %s failed:%n%s", args[0], err).isZero();
      return Files.readString(stdout, StandardCharsets.UTF_8);
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }
}

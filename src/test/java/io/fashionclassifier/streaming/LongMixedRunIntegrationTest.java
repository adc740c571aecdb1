package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21's long check, against the real broker and registry: for several minutes
 * ({@code -Dfashion.test.mixed.seconds}, 180 by default) a stream of good images with hostile records among them,
 * while the output subject refuses the classifier's schema for the first 30 s, a candidate that would exhaust the
 * heap is named in the shadow pointer, and 80 connections that each sent one byte hold the HTTP port (reopened
 * as fast as the server closes them). Afterwards every good image has exactly one committed verdict, every hostile
 * record exactly one dead letter, no probe went unanswered within the kubelet's 2 s, liveness never failed, and
 * Kafka Streams never stopped.
 */
class LongMixedRunIntegrationTest {

  private static final Duration RUN = Duration.ofSeconds(Long.getLong("fashion.test.mixed.seconds", 180));
  private static final Duration REFUSAL = Duration.ofSeconds(30);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  private static final int IDLE_CONNECTIONS = 80;
  private static final long GOOD_EVERY_MS = 50;
  private static final int GOOD_PER_HOSTILE = 10;
  private static final String BROKEN = "huge-acceptance";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path models;

  @Test
  void goodImagesComeOutOnceAndHostileOnesAsDeadLettersWhileTheRegistryTheModelAndTheNetworkMisbehave()
      throws Exception {
    ModelRepository repository = repository();
    URI registry = URI.create(ApicurioRegistry.shared().confluentUrl());
    List<String> good = new CopyOnWriteArrayList<>();
    List<String> hostile = new CopyOnWriteArrayList<>();
    ConcurrentLinkedQueue<String> missedProbes = new ConcurrentLinkedQueue<>();
    AtomicReference<KafkaStreams.State> worstState = new AtomicReference<>();
    AtomicBoolean outageSeen = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    ScheduledExecutorService background = Executors.newScheduledThreadPool(4);

    try (TcpProxy proxy = new TcpProxy(registry.getPort())) {
      // the start-up check cannot see the registry, so the refusal is met by the first batches, mid-stream
      proxy.cut();
      ClassifierConfig config = TestRuns.config("mixed", Map.of(
          ClassifierConfig.SCHEMA_REGISTRY_URL,
          registry.getScheme() + "://127.0.0.1:" + proxy.port() + registry.getPath(),
          ClassifierConfig.MODEL_DIR, models.toString(),
          ClassifierConfig.MODEL_POLL_MS, "200",
          ClassifierConfig.OUTAGE_BACKOFF_MAX_MS, "2000"));
      String subject = config.classifiedTopic() + "-value";
      try (ClassifierApp app = ClassifierApp.start(config)) {
        RefusingSubjects.refuse(subject);
        proxy.restore();
        Future<?> idle = background.submit(() -> holdIdleConnections(app.httpPort(), stop));
        Future<?> probes = background.submit(() -> probe(app, stop, missedProbes, worstState, outageSeen));
        Future<?> producer = background.submit(() -> {
          produceMixed(config, good, hostile);
          return null;
        });

        // the scenario: the refusal ends after REFUSAL; the broken candidate is named a while later
        ScheduledFuture<?> accepted = background.schedule(() -> {
          RefusingSubjects.accept(subject);
          return null;
        }, REFUSAL.toMillis(), TimeUnit.MILLISECONDS);
        ScheduledFuture<?> shadowed = background.schedule(() -> {
          repository.shadow(BROKEN);
          return null;
        }, REFUSAL.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);

        await().atMost(REFUSAL).untilTrue(outageSeen);
        accepted.get(REFUSAL.plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
        shadowed.get(REFUSAL.plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(readyBody(app.httpPort()))
            .as("/ready names the refused shadow").contains("shadow names " + BROKEN + ", refused"));
        assertThat(app.models().shadow()).as("nothing shadows").isNull();

        producer.get(RUN.plusMinutes(2).toMillis(), TimeUnit.MILLISECONDS);
        List<ConsumerRecord<String, ClassifiedItem>> verdicts = TestRuns.verdicts(config,
            records -> records.stream().map(ConsumerRecord::key).collect(Collectors.toSet()).containsAll(good),
            Duration.ofMinutes(3), Duration.ofSeconds(3));
        stop.set(true);
        idle.get(30, TimeUnit.SECONDS);
        probes.get(30, TimeUnit.SECONDS);

        Map<String, Long> verdictsPerKey = verdicts.stream()
            .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
        assertThat(good).as("sent for %s", RUN).hasSizeGreaterThan((int) (RUN.toMillis() / GOOD_EVERY_MS / 2));
        assertThat(verdictsPerKey.keySet()).as("a verdict for every good image and nothing else")
            .containsExactlyInAnyOrderElementsOf(good);
        assertThat(verdictsPerKey.values()).as("each exactly once").containsOnly(1L);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
            assertThat(TestRuns.deadLetterKeys(config, Duration.ofSeconds(1)))
                .as("one dead letter for every hostile record, none for a good one")
                .containsExactlyInAnyOrderElementsOf(hostile));
        assertThat(missedProbes).as("probes not answered in time, or liveness failed").isEmpty();
        assertThat(worstState.get()).as("Kafka Streams never stopped").isNull();
        assertThat(app.state()).isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
      }
    } finally {
      stop.set(true);
      background.shutdownNow();
    }
  }

  /** A repository serving the small model, and a candidate whose acceptance slice claims two million images. */
  private ModelRepository repository() throws IOException {
    SmallModel.copy(SmallModel.bundle(), models.resolve("good"));
    Path broken = models.resolve(BROKEN);
    SmallModel.copy(SmallModel.bundle(), broken);
    ModelBundle.writeAcceptanceSlice(broken, SmallModel.data().test().slice(0, 20), 0.0);
    Path images = broken.resolve("acceptance-images.idx");
    byte[] bytes = Files.readAllBytes(images);
    ByteBuffer.wrap(bytes).putInt(4, 2_000_000);
    Files.write(images, bytes);
    ModelRepository repository = ModelRepository.at(models);
    repository.activate("good");
    return repository;
  }

  /** Good images at a steady rate for {@link #RUN}, one of several kinds of hostile record after every few. */
  private static void produceMixed(ClassifierConfig config, List<String> good, List<String> hostile)
      throws Exception {
    SpecificAvroSerializer<InventoryImage> images = TestRuns.imageSerializer(config);
    String topic = config.inputTopic();
    long end = System.nanoTime() + RUN.toNanos();
    try (KafkaProducer<String, byte[]> plain = TestRuns.producer("none");
        KafkaProducer<String, byte[]> gzip = TestRuns.producer("gzip")) {
      for (int i = 0; System.nanoTime() < end; i++) {
        String key = "good-" + i;
        int index = i % SmallModel.data().test().size();
        InventoryImage image = InventoryImage.newBuilder(TestImages.image(key, 0,
                FashionClass.values()[SmallModel.data().test().label(index)], "scanner-" + i % 4, 28, 28))
            .setPixels(ByteBuffer.wrap(SmallModel.data().test().image(index)))
            .setCaptureTime(Instant.now())
            .build();
        TestRuns.send(plain, topic, key, images.serialize(topic, image), new RecordHeaders());
        good.add(key);
        if (i % GOOD_PER_HOSTILE == 0) {
          int kind = i / GOOD_PER_HOSTILE;
          String bad = "hostile-" + kind;
          sendHostile(kind, bad, images, topic, plain, gzip);
          hostile.add(bad);
        }
        TimeUnit.MILLISECONDS.sleep(GOOD_EVERY_MS); // the scanners' pace, not a wait for an outcome
      }
    }
  }

  private static void sendHostile(int kind, String key, SpecificAvroSerializer<InventoryImage> images, String topic,
      KafkaProducer<String, byte[]> plain, KafkaProducer<String, byte[]> gzip) throws Exception {
    InventoryImage valid = InventoryImage.newBuilder(TestImages.image(key, 0, null))
        .setPixels(ByteBuffer.wrap(SmallModel.data().test().image(0)))
        .setCaptureTime(Instant.now())
        .build();
    switch (kind % 7) {
      case 0 -> TestRuns.send(plain, topic, key, "not avro at all".getBytes(StandardCharsets.UTF_8),
          new RecordHeaders());
      case 1 -> TestRuns.send(plain, topic, key, new byte[] {0, 0x7f, -1, -1, -1, 2, 4}, new RecordHeaders());
      case 2 -> TestRuns.send(plain, topic, key, images.serialize(topic,
          InventoryImage.newBuilder(valid).setCaptureTime(Instant.ofEpochMilli(-1)).build()), new RecordHeaders());
      case 3 -> TestRuns.send(plain, topic, key, images.serialize(topic,
          InventoryImage.newBuilder(valid).setWidth(-1).build()), new RecordHeaders());
      case 4 -> TestRuns.send(plain, topic, key, images.serialize(topic,
          InventoryImage.newBuilder(valid).setPixels(ByteBuffer.wrap(new byte[783])).build()), new RecordHeaders());
      case 5 -> TestRuns.send(plain, topic, key, images.serialize(topic,
          InventoryImage.newBuilder(valid).setItemId("").build()), new RecordHeaders());
      default -> {
        // 4 MB of headers that fit the broker only compressed
        RecordHeaders headers = new RecordHeaders();
        for (int h = 0; h < 64; h++) {
          headers.add("trace-" + h, new byte[64 * 1024]);
        }
        TestRuns.send(gzip, topic, key, images.serialize(topic, valid), headers);
      }
    }
  }

  /** Keeps {@link #IDLE_CONNECTIONS} connections open that each sent one byte of a request and then nothing. */
  private static Void holdIdleConnections(int port, AtomicBoolean stop) throws IOException, InterruptedException {
    List<Socket> sockets = new ArrayList<>();
    try {
      while (!stop.get()) {
        sockets.removeIf(LongMixedRunIntegrationTest::closedByServer);
        while (sockets.size() < IDLE_CONNECTIONS) {
          Socket socket = new Socket();
          socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
          socket.getOutputStream().write('G');
          socket.getOutputStream().flush();
          sockets.add(socket);
        }
        TimeUnit.MILLISECONDS.sleep(100); // the attacker's pace
      }
    } finally {
      for (Socket socket : sockets) {
        socket.close();
      }
    }
    return null;
  }

  private static boolean closedByServer(Socket socket) {
    try {
      socket.setSoTimeout(1);
      if (socket.getInputStream().read() >= 0) {
        return false;
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      // reset by the server: closed too
    }
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return true;
  }

  /** Probes as the kubelet does, several times a second, noting every miss and any stop of Kafka Streams. */
  private static Void probe(ClassifierApp app, AtomicBoolean stop, ConcurrentLinkedQueue<String> missed,
      AtomicReference<KafkaStreams.State> worstState, AtomicBoolean outageSeen) throws InterruptedException {
    while (!stop.get()) {
      try {
        int health = KubeletProbe.get(app.httpPort(), "/health", PROBE_TIMEOUT);
        if (health != 200) {
          missed.add(Instant.now() + " /health " + health);
        }
        KubeletProbe.get(app.httpPort(), "/ready", PROBE_TIMEOUT);
      } catch (IOException e) {
        missed.add(Instant.now() + " " + e);
      }
      KafkaStreams.State state = app.state();
      if (Stream.of(KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.PENDING_SHUTDOWN,
          KafkaStreams.State.NOT_RUNNING).anyMatch(state::equals)) {
        worstState.compareAndSet(null, state);
      }
      if (app.inOutage()) {
        outageSeen.set(true);
      }
      TimeUnit.MILLISECONDS.sleep(250); // the probe period
    }
    return null;
  }

  private static String readyBody(int port) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}

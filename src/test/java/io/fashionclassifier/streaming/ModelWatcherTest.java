package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.Manifest;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.ModelRepository;
import io.fashionclassifier.model.ServingReport;
import io.fashionclassifier.model.ServingReports;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher over a repository of real (untrained, randomly initialised) bundles, polled by hand. */
class ModelWatcherTest {

  @TempDir Path dir;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private ModelRepository repository;
  private ModelWatcher watcher;

  @BeforeEach
  void repositoryWithOneActiveBundle() {
    bundle("one", 1);
    repository = ModelRepository.at(dir);
    repository.activate("one");
    // an hour between polls: the test polls by hand
    watcher = ModelWatcher.start(repository, Optional.empty(), Duration.ofHours(1), registry);
  }

  @AfterEach
  void close() {
    if (watcher != null) {
      watcher.close();
    }
  }

  private String bundle(String name, long seed) {
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      model.getNDManager().getEngine().setRandomSeed((int) seed);
      Block block = Architecture.MLP.newBlock();
      block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      model.setBlock(block);
      return ModelBundle.save(dir.resolve(name), block, Architecture.MLP, false, Map.of(), null).version();
    }
  }

  private double refused() {
    var counter = registry.find("fashion.model.refused").tag("role", "active").counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aCorruptCandidateIsRefusedOnceAndTheServingModelStays() throws IOException {
    ModelLineup serving = watcher.get();
    bundle("broken", 2);
    Path parameters = dir.resolve("broken").resolve(ModelBundle.PARAMETERS_FILE);
    byte[] bytes = Files.readAllBytes(parameters);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(parameters, bytes);
    repository.activate("broken");

    watcher.poll();
    watcher.poll();

    assertThat(watcher.get()).as("the same lineup").isSameAs(serving);
    assertThat(refused()).as("refused once, not again until its files change").isEqualTo(1.0);
    try (BatchClassifier classifier = watcher.get().active().lease()) {
      assertThat(classifier.classify(List.of(new byte[28 * 28]))).hasSize(1);
    }
  }

  @Test
  void aValidCandidateReplacesTheActiveModelWhichClosesWhenItsLastTaskLetsGo() {
    ServedModel old = watcher.get().active();
    BatchClassifier stillInUse = old.lease();
    String version = bundle("two", 3);
    repository.activate("two");

    watcher.poll();

    assertThat(watcher.get().active().version()).isEqualTo(version);
    assertThat(watcher.versions()).isEqualTo(new ModelVersions(version, null));
    assertThat(old.isClosed()).as("a task is still classifying with it").isFalse();
    assertThat(stillInUse.classify(List.of(new byte[28 * 28]))).hasSize(1);
    stillInUse.close();
    assertThat(old.isClosed()).isTrue();
    assertThat(old.lease()).as("no task can take it any more").isNull();
  }

  @Test
  void aShadowIsLoadedNextToTheActiveModelAndPromotedWithoutLoadingAgain() {
    String version = bundle("two", 3);
    repository.shadow("two");
    watcher.poll();
    ServedModel shadow = watcher.get().shadow();
    assertThat(shadow.version()).isEqualTo(version);

    repository.activate("two");
    watcher.poll();

    assertThat(watcher.get().active()).isSameAs(shadow);
    assertThat(watcher.get().shadow()).isNull();
  }
  /** Corrupts bundle {@code name}'s parameters: its hash no longer matches its manifest. */
  private void corrupt(String name) throws IOException {
    Path parameters = dir.resolve(name).resolve(ModelBundle.PARAMETERS_FILE);
    byte[] bytes = Files.readAllBytes(parameters);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(parameters, bytes);
  }

  private double counted(String name, String role) {
    var search = registry.find(name);
    var counter = (role == null ? search : search.tag("role", role)).counter();
    return counter == null ? 0 : counter.count();
  }

  private double gauge(String name, String role) {
    var gauge = registry.find(name).tag("role", role).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  @Test
  void aRestartWhileActiveNamesARefusedBundleServesTheLastGoodOne() throws IOException {
    String one = watcher.get().active().version();
    bundle("broken", 2);
    corrupt("broken");
    repository.activate("broken");
    watcher.poll();
    watcher.close();

    // a restart (or a new instance scaling out) with 'active' still naming the refused bundle
    watcher = ModelWatcher.start(repository, Optional.empty(), Duration.ofHours(1), registry);

    assertThat(watcher.get().active().version()).as("the last good bundle serves").isEqualTo(one);
    try (BatchClassifier classifier = watcher.get().active().lease()) {
      assertThat(classifier.classify(List.of(new byte[28 * 28]))).hasSize(1);
    }
  }

  @Test
  void aClassifierThatServesTheLastGoodBundleSaysSoInItsMetricsDetailAndReport() throws IOException {
    String one = watcher.get().active().version();
    bundle("broken", 2);
    corrupt("broken");
    repository.activate("broken");
    watcher.poll();

    assertThat(repository.lastGood()).as("recorded when 'one' was taken up").contains("one");
    assertThat(gauge("fashion.model.pointer.diverged", "active")).isEqualTo(1.0);
    assertThat(watcher.divergence()).hasValueSatisfying(detail -> assertThat(detail)
        .startsWith("active names broken, refused: ")
        .contains("does not match manifest version")
        .endsWith("; serving one (version " + one + ")"));
    ServingReport report = ServingReports.of(repository).live(Instant.now()).get(0);
    assertThat(report.activePointer()).isEqualTo("broken");
    assertThat(report.active()).isEqualTo(new ServingReport.Served("one", one));
    assertThat(report.refusal("active").bundle()).isEqualTo("broken");
    assertThat(report.refusal("active").retrying()).isFalse();

    watcher.close();
    // a new process: a new registry
    SimpleMeterRegistry restarted = new SimpleMeterRegistry();
    watcher = ModelWatcher.start(repository, Optional.empty(), Duration.ofHours(1), restarted);
    assertThat(watcher.divergence()).as("after a restart too").isPresent();
    assertThat(restarted.get("fashion.model.pointer.diverged").tag("role", "active").gauge().value()).isEqualTo(1.0);

    repository.activate("one");
    watcher.poll();
    assertThat(watcher.divergence()).as("the pointer names what is served again").isEmpty();
    assertThat(restarted.get("fashion.model.pointer.diverged").tag("role", "active").gauge().value()).isEqualTo(0.0);
  }

  @Test
  void aRestartWithNoBundleThatLoadsFailsNamingEachOne() throws IOException {
    bundle("broken", 2);
    corrupt("broken");
    repository.activate("broken");
    corrupt("one");
    watcher.close();

    assertThatThrownBy(() -> ModelWatcher.start(repository, Optional.empty(), Duration.ofHours(1), registry))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageStartingWith("no bundle to serve in " + dir + ": broken: ")
        .hasMessageContaining("; one: ")
        .hasMessageNotContaining("\n");
    watcher = null;
  }

  /**
   * A candidate whose parameters claim a 16 GB shape: DJL would allocate it before reading, and the Error (not a
   * RuntimeException) would cancel the watcher's scheduled task. It is refused, and the watcher, on its own
   * thread and schedule, still takes up the good bundle named next.
   */
  @Test
  void aCandidateWhoseParametersClaimGigabytesIsRefusedAndTheWatcherStillFollowsThePointers() throws IOException {
    watcher.close();
    watcher = ModelWatcher.start(repository, Optional.empty(), Duration.ofMillis(50), registry);
    bundle("huge", 2);
    Path parameters = dir.resolve("huge").resolve(ModelBundle.PARAMETERS_FILE);
    byte[] bytes = Files.readAllBytes(parameters);
    int rank = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("FLOAT32") + 7;
    java.nio.ByteBuffer.wrap(bytes).putInt(rank, 0x7fff_fff0);
    Files.write(parameters, bytes);
    rewriteVersion("huge", bytes);
    repository.activate("huge");
    await().atMost(Duration.ofSeconds(20)).until(() -> refused() == 1.0);

    String two = bundle("two", 3);
    repository.activate("two");

    await().atMost(Duration.ofSeconds(20)).until(() -> watcher.get().active().version().equals(two));
  }

  @Test
  void anErrorACandidateThrowsIsARefusalAndTheWatcherGoesOn() {
    watcher.close();
    Function<Path, ModelBundle> loader = path -> {
      String name = path.getFileName().toString();
      if (name.equals("linkage")) {
        throw new NoClassDefFoundError("a class the candidate's loading needs");
      }
      if (name.equals("deep")) {
        throw new StackOverflowError();
      }
      return ModelBundle.load(path);
    };
    watcher = ModelWatcher.start(repository, Optional.empty(), Duration.ofMillis(50), registry, loader);
    bundle("linkage", 2);
    bundle("deep", 4);
    String two = bundle("two", 3);

    repository.activate("linkage");
    await().atMost(Duration.ofSeconds(20)).until(() -> refused() == 1.0);
    repository.activate("deep");
    await().atMost(Duration.ofSeconds(20)).until(() -> counted("fashion.model.watch.failures", null) >= 1);
    repository.activate("two");

    await().atMost(Duration.ofSeconds(20)).until(() -> watcher.get().active().version().equals(two));
  }

  @Test
  void aBundleThatCannotBeReadIsTriedAgainWithBackoffAndOneThatIsRefusedIsNot() throws IOException {
    watcher.close();
    AtomicInteger readsOfTwo = new AtomicInteger();
    AtomicInteger loadsOfBroken = new AtomicInteger();
    Function<Path, ModelBundle> loader = path -> {
      String name = path.getFileName().toString();
      if (name.equals("two") && readsOfTwo.incrementAndGet() <= 3) {
        throw ModelBundleException.unreadable(path + ": cannot read: Input/output error", new IOException("EIO"));
      }
      if (name.equals("broken")) {
        loadsOfBroken.incrementAndGet();
      }
      return ModelBundle.load(path);
    };
    watcher = ModelWatcher.start(repository, Optional.empty(), Duration.ofMillis(50), registry, loader);
    bundle("broken", 2);
    corrupt("broken");
    String two = bundle("two", 3);

    repository.shadow("broken");
    repository.activate("two");

    await().atMost(Duration.ofSeconds(20)).until(() -> watcher.get().active().version().equals(two));
    assertThat(readsOfTwo).as("three failed reads, then the one that loads").hasValue(4);
    assertThat(loadsOfBroken).as("its content was refused once: the same files are not tried again").hasValue(1);
    assertThat(refused()).as("each failed read counts").isEqualTo(3.0);
  }

  private void rewriteVersion(String name, byte[] parameters) {
    Manifest m = ModelRepository.at(dir).list().stream().filter(e -> e.name().equals(name)).findFirst()
        .orElseThrow().manifest();
    String version;
    try {
      version = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(parameters)).substring(0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    ModelBundle.writeManifest(dir.resolve(name), new Manifest(m.formatVersion(), m.name(), version,
        m.architecture(), m.parametersFile(), m.inputShape(), m.normalization(), m.classNames(), m.flipTta(),
        m.djlVersion(), m.engine(), m.engineVersion(), m.createdAt(), m.training(), m.testAccuracy()));
  }
}

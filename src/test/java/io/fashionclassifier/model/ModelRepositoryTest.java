package io.fashionclassifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pointers of a model repository: what activate, shadow and rollback write. */
class ModelRepositoryTest {

  @TempDir Path dir;
  private ModelRepository repository;

  @BeforeEach
  void twoBundles() throws IOException {
    for (String name : new String[] {"v1", "v2"}) {
      Files.createDirectories(dir.resolve(name));
      Files.writeString(dir.resolve(name).resolve(ModelBundle.MANIFEST_FILE),
          "{\"version\": \"" + name + "-hash\", \"architecture\": \"mlp\"}");
    }
    repository = ModelRepository.at(dir);
  }

  @Test
  void activatingKeepsTheReplacedBundleAsPreviousAndRollbackPointsBack() {
    repository.activate("v1");
    repository.activate("v2");
    assertThat(repository.active()).contains("v2");
    assertThat(repository.previous()).contains("v1");

    assertThat(repository.rollback()).isEqualTo("v1");
    assertThat(repository.active()).contains("v1");
    assertThat(repository.previous()).as("rolling back again rolls forward").contains("v2");
    assertThat(ModelRepository.isRepository(dir)).isTrue();
    assertThat(ModelRepository.isBundle(dir)).isFalse();
  }

  @Test
  void activatingTheShadowPromotesItAndEndsTheShadowing() {
    repository.activate("v1");
    repository.shadow("v2");
    assertThat(repository.shadow()).contains("v2");

    repository.activate("v2");
    assertThat(repository.active()).contains("v2");
    assertThat(repository.shadow()).isEmpty();
  }

  @Test
  void pointersAreWholeFilesWithNoTemporaryLeftBehind() throws IOException {
    repository.activate("v1");
    repository.activate("v2");
    repository.shadow("v1");
    repository.stopShadow();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("v1", "v2", ModelRepository.ACTIVE, ModelRepository.PREVIOUS);
    }
    assertThat(Files.readString(dir.resolve(ModelRepository.ACTIVE))).isEqualTo("v2\n");
  }

  @Test
  void aPointerNameIsNotABundleName() {
    for (String name : List.of(ModelRepository.ACTIVE, ModelRepository.SHADOW, ModelRepository.PREVIOUS,
        ModelRepository.LAST_GOOD, ServingReports.DIRECTORY)) {
      assertThatThrownBy(() -> repository.bundle(name)).as(name).isInstanceOf(ModelBundleException.class)
          .hasMessageContaining("not a bundle");
    }
  }

  @Test
  void pointersAreReadableByClassifiersRunningAsAnotherUser() throws IOException {
    repository.activate("v1");
    repository.shadow("v2");
    for (String pointer : List.of(ModelRepository.ACTIVE, ModelRepository.SHADOW)) {
      assertThat(Files.getPosixFilePermissions(dir.resolve(pointer))).as(pointer)
          .contains(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
    }
  }

  @Test
  void aNameThatIsNotABundleOfTheRepositoryIsRefusedAndNothingMoves() throws IOException {
    repository.activate("v1");
    Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> repository.activate("empty"))
        .isInstanceOf(ModelBundleException.class).hasMessageContaining("is not a model bundle");
    assertThatThrownBy(() -> repository.shadow("../v2"))
        .isInstanceOf(ModelBundleException.class).hasMessageContaining("is not a bundle name");
    assertThatThrownBy(() -> repository.rollback())
        .isInstanceOf(ModelBundleException.class).hasMessageContaining("nothing to roll back to");
    assertThat(repository.active()).contains("v1");
    assertThat(repository.shadow()).isEmpty();
  }

  @Test
  void listShowsEveryBundleWithItsManifest() throws IOException {
    Files.createDirectories(dir.resolve("half-copied"));
    assertThat(repository.list())
        .extracting(ModelRepository.Entry::name, e -> e.manifest() == null ? e.problem() : e.manifest().version())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("half-copied", "no manifest.json"),
            org.assertj.core.groups.Tuple.tuple("v1", "v1-hash"),
            org.assertj.core.groups.Tuple.tuple("v2", "v2-hash"));
  }
}

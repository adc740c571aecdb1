package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MxnetEnvironmentTest {

  @Test
  void asksForEverySettingInABareEnvironment() {
    assertThat(MxnetEnvironment.missingSettings(Map.of()))
        .containsOnlyKeys("OMP_NUM_THREADS", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")
        .containsEntry("OMP_NUM_THREADS", Integer.toString(Runtime.getRuntime().availableProcessors()));
  }

  @Test
  void keepsWhatTheUserSet() {
    Map<String, String> missing = MxnetEnvironment.missingSettings(Map.of("OMP_NUM_THREADS", "1"));

    assertThat(missing).doesNotContainKey("OMP_NUM_THREADS").containsKey("MALLOC_TOP_PAD_");
  }

  @Test
  void asksForNothingWhenEverythingIsSet() {
    assertThat(MxnetEnvironment.missingSettings(MxnetEnvironment.recommended())).isEmpty();
  }

  @Test
  void theStreamAndBenchCommandsAlsoRunTheNaiveEngineAndTrainingDoesNot() {
    assertThat(MxnetEnvironment.missingSettings(Map.of(), "stream")).containsEntry("MXNET_ENGINE_TYPE", "NaiveEngine");
    assertThat(MxnetEnvironment.missingSettings(Map.of(), "bench")).containsEntry("MXNET_ENGINE_TYPE", "NaiveEngine");
    assertThat(MxnetEnvironment.missingSettings(Map.of(), "train")).doesNotContainKey("MXNET_ENGINE_TYPE");
  }
}

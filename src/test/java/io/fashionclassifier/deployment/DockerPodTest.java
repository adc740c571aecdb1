package io.fashionclassifier.deployment;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pod harness refuses what it cannot emulate, before it starts anything (no Docker engine needed). */
class DockerPodTest {

  private static PodSpec chartPod() {
    return RenderedChart.render(Map.of()).podTemplate().getSpec();
  }

  @Test
  void aContainerFieldItDoesNotEmulateFailsTheStart() {
    PodSpec spec = chartPod();
    spec.getContainers().get(0).setStartupProbe(new ProbeBuilder().withNewHttpGet().withPath("/health")
        .withNewPort("http").endHttpGet().build());
    assertThatThrownBy(() -> DockerPod.start("p-0", spec, Map.of()))
        .hasMessageContaining("cannot emulate").hasMessageContaining("containers[0].startupProbe.httpGet.path");
  }

  @Test
  void aVolumeKindItDoesNotEmulateFailsTheStart() {
    PodSpec spec = chartPod();
    spec.getVolumes().add(new VolumeBuilder().withName("node").withNewHostPath().withPath("/var/run")
        .endHostPath().build());
    assertThatThrownBy(() -> DockerPod.start("p-0", spec, Map.of()))
        .hasMessageContaining("cannot emulate").hasMessageContaining(".hostPath.path");
  }

  @Test
  void aMountedServiceAccountTokenFailsTheStart() {
    PodSpec spec = chartPod();
    spec.setAutomountServiceAccountToken(true);
    assertThatThrownBy(() -> DockerPod.start("p-0", spec, Map.of()))
        .hasMessageContaining("service account token");
  }
}

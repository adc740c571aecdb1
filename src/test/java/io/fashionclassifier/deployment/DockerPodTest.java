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
    spec.getContainers().get(0).setLivenessProbe(new ProbeBuilder().withNewExec().withCommand("true").endExec()
        .build());
    assertThatThrownBy(() -> DockerPod.start("p-0", spec, Map.of()))
        .hasMessageContaining("cannot emulate").hasMessageContaining("containers[0].livenessProbe.exec.command");
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
  void serviceLinksFailTheStart() {
    PodSpec spec = chartPod();
    spec.setEnableServiceLinks(true);
    assertThatThrownBy(() -> DockerPod.start("p-0", spec, Map.of())).hasMessageContaining("enableServiceLinks");
  }

  @Test
  void aSecretTheNamespaceLacksFailsTheStart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path claim) {
    PodSpec spec = RenderedChart.render(Map.of("kafka", Map.of("securityProtocol", "SSL",
        "tls", Map.of("truststoreSecret", Map.of("name", "kafka-ca", "type", "PEM", "key", "ca.crt")))))
        .podTemplate().getSpec();
    assertThatThrownBy(() -> DockerPod.start("p-0", spec, Map.of("state", claim)))
        .hasMessageContaining("Secret kafka-ca not found");
  }

  @Test
  void aMountedServiceAccountTokenFailsTheStart() {
    PodSpec spec = chartPod();
    spec.setAutomountServiceAccountToken(true);
    assertThatThrownBy(() -> DockerPod.start("p-0", spec, Map.of()))
        .hasMessageContaining("service account token");
  }
}

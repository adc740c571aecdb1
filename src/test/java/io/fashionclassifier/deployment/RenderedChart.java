package io.fashionclassifier.deployment;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The chart in {@code helm/fashion-classifier} rendered by Helm (in-process, helm-java) and parsed into the
 * Kubernetes model: every document must be a known kind and every field a known field of its type.
 */
final class RenderedChart {

  static final Path CHART = Path.of("helm/fashion-classifier");
  static final String RELEASE = "shop";
  static final ObjectMapper YAML = new YAMLMapper();

  private static final Map<String, Class<?>> KINDS = Map.ofEntries(
      Map.entry("StatefulSet", StatefulSet.class),
      Map.entry("Deployment", Deployment.class),
      Map.entry("Job", Job.class),
      Map.entry("Service", Service.class),
      Map.entry("ServiceAccount", ServiceAccount.class),
      Map.entry("ConfigMap", ConfigMap.class),
      Map.entry("PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("NetworkPolicy", NetworkPolicy.class),
      Map.entry("ServiceMonitor", CustomResources.ServiceMonitor.class),
      Map.entry("PrometheusRule", CustomResources.PrometheusRule.class),
      Map.entry("ScaledObject", CustomResources.ScaledObject.class),
      Map.entry("KafkaTopic", CustomResources.KafkaTopic.class),
      Map.entry("KafkaUser", CustomResources.KafkaUser.class));

  /** Custom resources have no fabric8 model here: their records reject unknown fields outright. */
  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final List<Object> objects;
  private final String yaml;

  private RenderedChart(String yaml, List<Object> objects) {
    this.yaml = yaml;
    this.objects = objects;
  }

  /**
   * What the chart requires without a default: the model image's tag (the chart never defaults to a model nobody
   * validated). Every render starts from it; a test overrides it like any value.
   */
  static final Map<String, Object> REQUIRED = Map.of("model", Map.of("image", Map.of("tag", "cnn-2026-11")));

  /** Renders with the chart's defaults and {@link #REQUIRED} overlaid by {@code values} (nested maps). */
  static RenderedChart render(Map<String, Object> values) {
    String yaml = new Helm(CHART).template().withName(RELEASE).withNamespace("shop").withKubeVersion("1.31.0")
        .withValuesFile(valuesFile(REQUIRED)).withValuesFile(valuesFile(values)).call();
    List<Object> objects = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(yaml)) {
      for (JsonNode document : YAML.readValues(parser, JsonNode.class).readAll()) {
        if (document == null || document.isNull() || document.isEmpty()) {
          continue;
        }
        String kind = document.path("kind").asText();
        Class<?> type = KINDS.get(kind);
        if (type == null) {
          throw new AssertionError("the chart renders a kind the tests do not know: " + kind
              + "; add it to RenderedChart.KINDS and to the invariants");
        }
        Object parsed = STRICT.treeToValue(document, type);
        List<String> unknown = unknownFields(parsed);
        if (!unknown.isEmpty()) {
          throw new AssertionError(kind + " has fields its type does not know (misspelt or misplaced): "
              + unknown);
        }
        objects.add(parsed);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new RenderedChart(yaml, objects);
  }

  static Path valuesFile(Map<String, Object> values) {
    try {
      Path file = Files.createTempFile("values-", ".yaml");
      file.toFile().deleteOnExit();
      YAML.writeValue(file.toFile(), values);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String yaml() {
    return yaml;
  }

  List<Object> objects() {
    return objects;
  }

  <T> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T> Optional<T> one(Class<T> type) {
    List<T> found = all(type);
    if (found.size() > 1) {
      throw new AssertionError("more than one " + type.getSimpleName());
    }
    return found.stream().findFirst();
  }

  /** The StatefulSet or the Deployment. */
  HasMetadata workload() {
    List<HasMetadata> workloads = new ArrayList<>();
    workloads.addAll(all(StatefulSet.class));
    workloads.addAll(all(Deployment.class));
    if (workloads.size() != 1) {
      throw new AssertionError("expected one workload, found " + workloads.size());
    }
    return workloads.get(0);
  }

  PodTemplateSpec podTemplate() {
    HasMetadata workload = workload();
    return workload instanceof StatefulSet set ? set.getSpec().getTemplate()
        : ((Deployment) workload).getSpec().getTemplate();
  }

  Map<String, String> selector() {
    HasMetadata workload = workload();
    return workload instanceof StatefulSet set ? set.getSpec().getSelector().getMatchLabels()
        : ((Deployment) workload).getSpec().getSelector().getMatchLabels();
  }

  List<PersistentVolumeClaim> claimTemplates() {
    HasMetadata workload = workload();
    return workload instanceof StatefulSet set && set.getSpec().getVolumeClaimTemplates() != null
        ? set.getSpec().getVolumeClaimTemplates() : List.of();
  }

  Container classifier() {
    return podTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("classifier")).findFirst()
        .orElseThrow(() -> new AssertionError("no classifier container"));
  }

  /** The classifier's environment with literal values (references left out). */
  Map<String, String> literalEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : classifier().getEnv()) {
      if (var.getValue() != null) {
        env.put(var.getName(), var.getValue());
      }
    }
    return env;
  }

  /**
   * Paths to every value that landed in a fabric8 object's {@code additionalProperties}: the model keeps unknown
   * fields there instead of failing, so the whole object graph is walked.
   */
  static List<String> unknownFields(Object root) {
    List<String> found = new ArrayList<>();
    walk(root, root.getClass().getSimpleName(), found, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    return found;
  }

  private static void walk(Object node, String path, List<String> found, Set<Object> seen) {
    if (node == null || !seen.add(node)) {
      return;
    }
    if (node instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", found, seen);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((key, value) -> walk(value, path + "." + key, found, seen));
      return;
    }
    if (node instanceof Record record) {
      // custom resources' records reject unknown fields themselves; Kubernetes types inside them are fabric8's
      for (var component : record.getClass().getRecordComponents()) {
        try {
          walk(component.getAccessor().invoke(record), path + "." + component.getName(), found, seen);
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new AssertionError(e);
        }
      }
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          found.add(path + ": " + extra.keySet());
        }
        continue;
      }
      walk(value, path + "." + decapitalize(getter.getName().substring(3)), found, seen);
    }
  }

  private static String decapitalize(String name) {
    return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
  }
}

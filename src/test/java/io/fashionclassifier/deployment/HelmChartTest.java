package io.fashionclassifier.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fashionclassifier.serde.AvroSerdeConfig;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Helm chart rendered by Helm itself over a matrix of value profiles, parsed strictly, checked for invariants. */
class HelmChartTest {

  /** Profiles users run: each must render into objects that hold every invariant below. */
  static Stream<Arguments> profiles() {
    return Stream.of(
        Arguments.of("defaults", Map.of()),
        Arguments.of("Deployment", Map.of("workload", "Deployment")),
        Arguments.of("persistence off", Map.of("persistence", Map.of("enabled", false))),
        Arguments.of("SASL_SSL from Secrets", saslSsl()),
        Arguments.of("KEDA", Map.of("autoscaling", Map.of("keda", Map.of("enabled", true, "maxReplicaCount", 6)))),
        Arguments.of("ServiceMonitor", Map.of("metrics", Map.of("podAnnotations", true,
            "serviceMonitor", Map.of("enabled", true, "labels", Map.of("release", "prometheus"))))),
        Arguments.of("PDB off", Map.of("pdb", Map.of("enabled", false))),
        Arguments.of("NetworkPolicy", Map.of("networkPolicy", Map.of("enabled", true,
            "ingressFrom", List.of(Map.of("namespaceSelector",
                Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring")))),
            "egressTo", List.of(Map.of("ipBlock", Map.of("cidr", "10.0.0.0/8")))))),
        Arguments.of("model from a volume", Map.of("model", Map.of(
            "image", Map.of("repository", ""), "existingClaim", "models", "subPath", "cnn-v3"))),
        Arguments.of("model rollout Job", modelRollout("activate", "cnn-v4")),
        Arguments.of("model image by digest, as an image volume", Map.of("image", Map.of("digest", DIGEST),
            "model", Map.of("image", Map.of("digest", DIGEST, "volume", true)))),
        Arguments.of("canary of the last pod", Map.of("replicaCount", 3,
            "updateStrategy", Map.of("type", "RollingUpdate", "rollingUpdate", Map.of("partition", 2)))),
        Arguments.of("pod customisation", podCustomisation()),
        Arguments.of("mTLS from a Strimzi KafkaUser", strimziMutualTls()),
        Arguments.of("mTLS from cert-manager PEM", certManagerPem()),
        Arguments.of("observability kit", Map.of("metrics", Map.of("serviceMonitor", Map.of("enabled", true),
            "prometheusRule", Map.of("enabled", true), "grafanaDashboard", Map.of("enabled", true)))));
  }

  private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  /** A model repository on a shared claim, and the Job that moves its pointers after each upgrade. */
  static Map<String, Object> modelRollout(String action, String bundle) {
    return Map.of(
        "model", Map.of("image", Map.of("repository", ""), "existingClaim", "models", "subPath", "repository"),
        "modelRollout", Map.of("enabled", true, "action", action, "bundle", bundle, "wait", "90s"));
  }

  /** What a platform team adds on a secured cluster: its own variables, volumes, containers, account, scheduling. */
  static Map<String, Object> podCustomisation() {
    Map<String, Object> hardened = Map.of("runAsNonRoot", true, "allowPrivilegeEscalation", false,
        "readOnlyRootFilesystem", true, "capabilities", Map.of("drop", List.of("ALL")));
    Map<String, Object> small = Map.of("limits", Map.of("cpu", "100m", "memory", "64Mi"));
    return Map.ofEntries(
        Map.entry("extraEnvVars", List.of(
            Map.of("name", "KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL", "value", "https://idp.example.com/token"),
            Map.of("name", "KAFKA_CLIENT_RACK", "valueFrom",
                Map.of("fieldRef", Map.of("fieldPath", "spec.nodeName"))),
            Map.of("name", "AWS_ROLE_SESSION_NAME", "valueFrom",
                Map.of("secretKeyRef", Map.of("name", "aws-session", "key", "name"))))),
        Map.entry("extraEnvVarsCM", "classifier-settings"),
        Map.entry("extraEnvVarsSecret", "classifier-secrets"),
        Map.entry("javaOptions", "-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=https://idp.example.com/token"),
        Map.entry("logFormat", "json"),
        Map.entry("extraVolumes", List.of(Map.of("name", "msk-iam", "emptyDir", Map.of()))),
        Map.entry("extraVolumeMounts", List.of(Map.of("name", "msk-iam", "mountPath", "/opt/msk-iam"))),
        Map.entry("initContainers", List.of(Map.of("name", "msk-iam-jar", "image", "registry.example.com/msk-iam:2",
            "command", List.of("cp", "/aws-msk-iam-auth.jar", "/opt/msk-iam/"), "securityContext", hardened,
            "resources", small, "volumeMounts", List.of(Map.of("name", "msk-iam", "mountPath", "/opt/msk-iam"))))),
        Map.entry("sidecars", List.of(Map.of("name", "log-shipper", "image", "registry.example.com/shipper:1",
            "securityContext", hardened, "resources", small))),
        Map.entry("serviceAccount", Map.of("create", true,
            "annotations", Map.of("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/classifier"))),
        Map.entry("podAnnotations", Map.of("example.com/team", "vision")),
        Map.entry("podLabels", Map.of("team", "vision")),
        Map.entry("tolerations", List.of(Map.of("key", "dedicated", "operator", "Equal", "value", "ml",
            "effect", "NoSchedule"))),
        Map.entry("affinity", Map.of("nodeAffinity", Map.of("requiredDuringSchedulingIgnoredDuringExecution",
            Map.of("nodeSelectorTerms", List.of(Map.of("matchExpressions", List.of(Map.of(
                "key", "kubernetes.io/arch", "operator", "In", "values", List.of("amd64"))))))))),
        Map.entry("topologySpreadConstraints", List.of(Map.of("maxSkew", 1,
            "topologyKey", "topology.kubernetes.io/zone", "whenUnsatisfiable", "ScheduleAnyway",
            "labelSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/instance", RenderedChart.RELEASE))))),
        Map.entry("priorityClassName", "stream-processing"));
  }

  /** A Strimzi cluster: the chart's KafkaUser (type tls) gives user.p12, the cluster CA Secret a PEM ca.crt. */
  static Map<String, Object> strimziMutualTls() {
    return Map.of(
        "kafka", Map.of("bootstrapServers", "shop-kafka-bootstrap:9093", "securityProtocol", "SSL",
            "tls", Map.of(
                "truststoreSecret", Map.of("name", "shop-cluster-ca-cert", "type", "PEM", "key", "ca.crt"),
                "keystoreSecret", Map.of("name", "shop-fashion-classifier"))),
        "topics", Map.of("create", false),
        "strimzi", Map.of("cluster", "shop", "topics", Map.of("enabled", true), "user", Map.of("enabled", true)),
        "autoscaling", Map.of("keda", Map.of("enabled", true, "maxReplicaCount", 6,
            "authenticationRef", "kafka-trigger-auth", "includeInternalTopics", true)));
  }

  /** cert-manager Certificates: tls.crt, tls.key (PKCS#8) and ca.crt; the registry behind a token. */
  static Map<String, Object> certManagerPem() {
    return Map.of(
        "kafka", Map.of("securityProtocol", "SSL", "tls", Map.of(
            "truststoreSecret", Map.of("name", "classifier-tls", "type", "PEM", "key", "ca.crt"),
            "keystoreSecret", Map.of("name", "classifier-tls", "type", "PEM"))),
        "schemaRegistry", Map.of("url", "https://registry:8081",
            "bearerTokenSecret", Map.of("name", "registry-token"),
            "tls", Map.of("truststoreSecret", Map.of("name", "registry-ca", "type", "PEM", "key", "ca.crt"))));
  }

  static Map<String, Object> saslSsl() {
    return Map.of(
        "kafka", Map.of("securityProtocol", "SASL_SSL",
            "sasl", Map.of("mechanism", "SCRAM-SHA-512", "jaasConfigSecret", Map.of("name", "kafka-credentials")),
            "tls", Map.of("truststoreSecret", Map.of("name", "kafka-ca"))),
        "schemaRegistry", Map.of("url", "https://registry:8081",
            "userInfoSecret", Map.of("name", "registry-credentials"),
            "tls", Map.of("truststoreSecret", Map.of("name", "registry-ca"))),
        "autoscaling", Map.of("keda", Map.of("enabled", true, "maxReplicaCount", 3,
            "authenticationRef", "kafka-trigger-auth")));
  }

  @Test
  void passesStrictLint() {
    LintResult lint = new Helm(RenderedChart.CHART).lint().strict().call();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    assertThat(lint.isFailed()).as("lint: %s", lint.getMessages()).isFalse();
  }

  @Test
  void theChartReadmeDocumentsEveryValue() throws IOException {
    String readme = Files.readString(RenderedChart.CHART.resolve("README.md"));
    Map<?, ?> values = RenderedChart.YAML.readValue(RenderedChart.CHART.resolve("values.yaml").toFile(), Map.class);
    List<String> undocumented = new ArrayList<>();
    for (String path : valuePaths(values, "")) {
      // documented itself or through the row of an enclosing value (e.g. `resources`)
      boolean documented = false;
      for (String prefix = path; !prefix.isEmpty();
          prefix = prefix.contains(".") ? prefix.substring(0, prefix.lastIndexOf('.')) : "") {
        documented |= readme.contains("`" + prefix + "`");
      }
      if (!documented) {
        undocumented.add(path);
      }
    }
    assertThat(undocumented).as("values missing from helm/fashion-classifier/README.md").isEmpty();
  }

  private static List<String> valuePaths(Map<?, ?> values, String prefix) {
    List<String> paths = new ArrayList<>();
    values.forEach((key, value) -> {
      String path = prefix + key;
      if (value instanceof Map<?, ?> nested && !nested.isEmpty()) {
        paths.addAll(valuePaths(nested, path + "."));
      } else {
        paths.add(path);
      }
    });
    return paths;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void everyRenderedObjectIsAKnownTypeWithOnlyKnownFields(String profile, Map<String, Object> values) {
    // render() fails on an unknown kind or field; what must be there:
    RenderedChart chart = RenderedChart.render(values);
    assertThat(chart.objects()).hasAtLeastOneElementOfType(Service.class);
    assertThat(chart.workload()).isNotNull();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void selectorsMatchThePodLabels(String profile, Map<String, Object> values) {
    RenderedChart chart = RenderedChart.render(values);
    Map<String, String> podLabels = chart.podTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(chart.selector());
    for (Service service : chart.all(Service.class)) {
      assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
    }
    for (PodDisruptionBudget pdb : chart.all(PodDisruptionBudget.class)) {
      assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    }
    for (NetworkPolicy policy : chart.all(NetworkPolicy.class)) {
      assertThat(podLabels).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
    }
    for (CustomResources.ServiceMonitor monitor : chart.all(CustomResources.ServiceMonitor.class)) {
      Service service = chart.one(Service.class).orElseThrow();
      assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(monitor.spec().selector().matchLabels());
    }
    for (CustomResources.ScaledObject scaled : chart.all(CustomResources.ScaledObject.class)) {
      assertThat(scaled.spec().scaleTargetRef().kind()).isEqualTo(chart.workload().getKind());
      assertThat(scaled.spec().scaleTargetRef().name()).isEqualTo(chart.workload().getMetadata().getName());
    }
    if (chart.workload() instanceof StatefulSet set) {
      assertThat(set.getSpec().getServiceName())
          .isEqualTo(chart.one(Service.class).orElseThrow().getMetadata().getName());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void everyProbeAndServicePortNamesAPortOfTheContainer(String profile, Map<String, Object> values) {
    RenderedChart chart = RenderedChart.render(values);
    Container classifier = chart.classifier();
    Set<String> names = new HashSet<>();
    Set<Integer> numbers = new HashSet<>();
    for (ContainerPort port : classifier.getPorts()) {
      names.add(port.getName());
      numbers.add(port.getContainerPort());
    }
    for (Probe probe : new Probe[] {classifier.getStartupProbe(), classifier.getLivenessProbe(),
        classifier.getReadinessProbe()}) {
      assertThat(probe).isNotNull();
      assertPortExists(probe.getHttpGet().getPort(), names, numbers);
    }
    assertThat(classifier.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health");
    assertThat(classifier.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health");
    assertThat(classifier.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
    Service service = chart.one(Service.class).orElseThrow();
    Set<String> servicePortNames = new HashSet<>();
    for (ServicePort port : service.getSpec().getPorts()) {
      assertPortExists(port.getTargetPort(), names, numbers);
      servicePortNames.add(port.getName());
    }
    for (CustomResources.ServiceMonitor monitor : chart.all(CustomResources.ServiceMonitor.class)) {
      monitor.spec().endpoints().forEach(e -> assertThat(servicePortNames).contains(e.port()));
    }
    for (NetworkPolicy policy : chart.all(NetworkPolicy.class)) {
      policy.getSpec().getIngress().forEach(rule ->
          rule.getPorts().forEach(p -> assertPortExists(p.getPort(), names, numbers)));
    }
  }

  private static void assertPortExists(IntOrString port, Set<String> names, Set<Integer> numbers) {
    if (port.getStrVal() != null) {
      assertThat(names).as("port names of the container").contains(port.getStrVal());
    } else {
      assertThat(numbers).as("port numbers of the container").contains(port.getIntVal());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void everyEnvironmentNameIsASettingTheProcessReads(String profile, Map<String, Object> values) {
    RenderedChart chart = RenderedChart.render(values);
    Set<String> kafkaKeys = kafkaConfigNames();
    Set<String> process = processEnvironment();
    // the user's own variables (an IRSA session, a sidecar's settings) may be anything
    Set<String> users = new HashSet<>();
    listOfMaps(values.get("extraEnvVars")).forEach(v -> users.add((String) v.get("name")));
    for (EnvVar var : chart.classifier().getEnv()) {
      String name = var.getName();
      if (users.contains(name)) {
        continue;
      }
      boolean known = ClassifierConfig.environmentNames().containsKey(name)
          || process.contains(name)
          || name.startsWith("SCHEMA_REGISTRY_")
              && serdeKeys().contains("schema.registry." + dotted(name.substring("SCHEMA_REGISTRY_".length())))
          || name.startsWith("KAFKA_") && kafkaKeys.contains(dotted(name.substring("KAFKA_".length())));
      assertThat(known).as("%s is read by neither the classifier's settings (ClassifierConfig), Kafka (KAFKA_x_y ->"
          + " x.y), nor the JVM/MXNet environment", name).isTrue();
    }
  }

  /** The serdes' setting names, as the generic {@code SCHEMA_REGISTRY_X_Y} variables address them. */
  private static Set<String> serdeKeys() {
    Set<String> keys = new HashSet<>();
    for (java.lang.reflect.Field field : AvroSerdeConfig.class.getFields()) {
      if (java.lang.reflect.Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        try {
          keys.add((String) field.get(null));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return keys;
  }

  /** Kafka client and Kafka Streams property names, as the generic {@code KAFKA_X_Y} variables address them. */
  private static Set<String> kafkaConfigNames() {
    Set<String> names = new HashSet<>(StreamsConfig.configDef().names());
    names.addAll(ConsumerConfig.configNames());
    names.addAll(ProducerConfig.configNames());
    names.addAll(AdminClientConfig.configNames());
    return names;
  }

  /** Read by the JVM, DJL, MXNet and glibc rather than the app's settings: the launcher's own list, and the JVM's. */
  private static Set<String> processEnvironment() {
    Set<String> names = new HashSet<>(Set.of("JAVA_TOOL_OPTIONS", "DJL_CACHE_DIR", "FASHION_LOG_FORMAT"));
    try {
      Class<?> mxnet = Class.forName("io.fashionclassifier.cli.MxnetEnvironment");
      Method recommended = mxnet.getDeclaredMethod("recommended");
      recommended.setAccessible(true);
      names.addAll(((Map<?, ?>) recommended.invoke(null)).keySet().stream().map(Object::toString).toList());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the launcher's MXNet environment cannot be read", e);
    }
    return names;
  }

  private static String dotted(String name) {
    return name.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void everySecretReferenceComesFromADocumentedValue(String profile, Map<String, Object> values) throws IOException {
    RenderedChart chart = RenderedChart.render(values);
    Map<String, String> secretValues = secretNameValues(values, "");
    Set<String> usersOwn = usersOwnSecrets(values);
    String readme = Files.readString(RenderedChart.CHART.resolve("README.md"));
    List<String> references = new ArrayList<>();
    for (Container container : containers(chart.podTemplate().getSpec())) {
      for (EnvVar var : container.getEnv() == null ? List.<EnvVar>of() : container.getEnv()) {
        if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
          references.add(var.getValueFrom().getSecretKeyRef().getName());
          SecretKeySelector ref = var.getValueFrom().getSecretKeyRef();
          assertThat(ref.getKey()).isNotBlank();
        }
      }
    }
    chart.podTemplate().getSpec().getVolumes().stream().filter(v -> v.getSecret() != null)
        .forEach(v -> references.add(v.getSecret().getSecretName()));
    for (String name : references) {
      if (usersOwn.contains(name) && !secretValues.containsKey(name)) {
        continue;
      }
      assertThat(secretValues).as("Secret %s must come from a *Secret.name value", name).containsKey(name);
      assertThat(readme).as("chart README documents %s", secretValues.get(name))
          .contains("`" + secretValues.get(name) + "`");
    }
    assertThat(references).as("every Secret given is used").containsAll(secretValues.keySet());
  }

  /** Secrets the user's own extraEnvVars, extraEnvVarsSecret and extraVolumes name. */
  @SuppressWarnings("unchecked")
  private static Set<String> usersOwnSecrets(Map<String, Object> values) {
    Set<String> names = new HashSet<>();
    for (Map<String, Object> var : listOfMaps(values.get("extraEnvVars"))) {
      if (var.get("valueFrom") instanceof Map<?, ?> from && from.get("secretKeyRef") instanceof Map<?, ?> ref) {
        names.add((String) ref.get("name"));
      }
    }
    for (Map<String, Object> volume : listOfMaps(values.get("extraVolumes"))) {
      if (volume.get("secret") instanceof Map<?, ?> secret) {
        names.add((String) secret.get("secretName"));
      }
    }
    if (values.get("extraEnvVarsSecret") instanceof String name) {
      names.add(name);
    }
    return names;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> listOfMaps(Object value) {
    return value instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> secretNameValues(Map<String, Object> values, String prefix) {
    Map<String, String> found = new HashMap<>();
    values.forEach((key, value) -> {
      String path = prefix + key;
      if (value instanceof Map<?, ?> nested) {
        if (key.endsWith("Secret") && nested.get("name") instanceof String name) {
          found.put(name, path + ".name");
        }
        found.putAll(secretNameValues((Map<String, Object>) nested, path + "."));
      }
    });
    return found;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void everyMountHasAVolume(String profile, Map<String, Object> values) {
    RenderedChart chart = RenderedChart.render(values);
    Set<String> volumes = new HashSet<>();
    chart.podTemplate().getSpec().getVolumes().forEach(v -> volumes.add(v.getName()));
    chart.claimTemplates().forEach(c -> volumes.add(c.getMetadata().getName()));
    for (Container container : containers(chart.podTemplate().getSpec())) {
      for (VolumeMount mount : container.getVolumeMounts()) {
        assertThat(volumes).as("volume of %s in %s", mount.getMountPath(), container.getName())
            .contains(mount.getName());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void theStateDirectoryIsTheMountedStateVolume(String profile, Map<String, Object> values) {
    RenderedChart chart = RenderedChart.render(values);
    String stateDir = ClassifierConfig.load(null, chart.literalEnv(), Map.of()).setting(StreamsConfig.STATE_DIR_CONFIG);
    // the state directory itself or, so that Kafka Streams creates and owns it, the directory above it
    VolumeMount mount = chart.classifier().getVolumeMounts().stream().filter(m -> m.getName().equals("state"))
        .findFirst().orElseThrow(() -> new AssertionError("no state volume mounted"));
    assertThat(Path.of(stateDir)).satisfiesAnyOf(
        dir -> assertThat(dir).isEqualTo(Path.of(mount.getMountPath())),
        dir -> assertThat(dir.getParent()).isEqualTo(Path.of(mount.getMountPath())));
    assertThat(mount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
    boolean persistent = chart.claimTemplates().stream()
        .anyMatch(c -> c.getMetadata().getName().equals(mount.getName()));
    boolean expectPersistent = chart.workload() instanceof StatefulSet
        && !Boolean.FALSE.equals(nested(values, "persistence", "enabled"));
    assertThat(persistent).as("state on a persistent volume").isEqualTo(expectPersistent);
    if (chart.workload() instanceof StatefulSet set) {
      assertThat(set.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
      assertThat(chart.classifier().getEnv()).anyMatch(v -> v.getName().equals("KAFKA_GROUP_INSTANCE_ID")
          && v.getValueFrom().getFieldRef().getFieldPath().equals("metadata.name"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void everyWritablePathIsAMountUnderTheReadOnlyRoot(String profile, Map<String, Object> values) {
    RenderedChart chart = RenderedChart.render(values);
    Container classifier = chart.classifier();
    assertThat(classifier.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    Map<String, String> env = chart.literalEnv();
    List<String> writable = List.of("/tmp", env.get("DJL_CACHE_DIR"),
        ClassifierConfig.load(null, env, Map.of()).setting(StreamsConfig.STATE_DIR_CONFIG));
    for (String path : writable) {
      VolumeMount mount = mountHolding(classifier, path);
      assertThat(mount.getReadOnly()).as("%s writable", path).isNotEqualTo(Boolean.TRUE);
    }
    for (Container init : nullToEmpty(chart.podTemplate().getSpec().getInitContainers())) {
      assertThat(init.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(init.getVolumeMounts()).allMatch(m -> !Boolean.TRUE.equals(m.getReadOnly()));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profiles")
  void podsRunHardenedAndOutliveTheAppsShutdownBound(String profile, Map<String, Object> values) {
    RenderedChart chart = RenderedChart.render(values);
    PodSpec pod = chart.podTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getEnableServiceLinks()).as("no KAFKA_PORT from a Service named kafka").isFalse();
    for (Container container : containers(pod)) {
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");
    }
    long shutdownMs = Long.parseLong(ClassifierConfig.load(null, chart.literalEnv(), Map.of())
        .setting("fashion.shutdown.timeout.ms"));
    assertThat(pod.getTerminationGracePeriodSeconds() * 1000).isGreaterThan(shutdownMs);
    assertThat(chart.literalEnv().get("JAVA_TOOL_OPTIONS")).matches(".*-XX:MaxRAMPercentage=([1-7][0-9]?)(\\D.*|$)")
        .contains("-XX:+ExitOnOutOfMemoryError");
  }

  @Test
  void optionalObjectsAreOffByDefault() {
    RenderedChart chart = RenderedChart.render(Map.of());
    assertThat(chart.all(CustomResources.ServiceMonitor.class)).isEmpty();
    assertThat(chart.all(CustomResources.ScaledObject.class)).isEmpty();
    assertThat(chart.all(NetworkPolicy.class)).isEmpty();
    assertThat(chart.all(CustomResources.PrometheusRule.class)).isEmpty();
    assertThat(chart.all(io.fabric8.kubernetes.api.model.ConfigMap.class)).isEmpty();
    assertThat(chart.all(io.fabric8.kubernetes.api.model.ServiceAccount.class)).isEmpty();
    assertThat(chart.all(CustomResources.KafkaTopic.class)).isEmpty();
    assertThat(chart.all(CustomResources.KafkaUser.class)).isEmpty();
    assertThat(chart.podTemplate().getSpec().getServiceAccountName()).isNull();
    assertThat(chart.podTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(chart.all(PodDisruptionBudget.class)).hasSize(1);
    assertThat(chart.workload()).isInstanceOf(StatefulSet.class);
    assertThat(((StatefulSet) chart.workload()).getSpec().getReplicas()).isEqualTo(1);
  }

  @Test
  void kedaOwnsTheReplicaCountAndScalesOnTheInputTopicsLag() {
    RenderedChart chart = RenderedChart.render(Map.of("workload", "Deployment",
        "autoscaling", Map.of("keda", Map.of("enabled", true, "maxReplicaCount", 4))));
    assertThat(((Deployment) chart.workload()).getSpec().getReplicas()).isNull();
    CustomResources.ScaledObject scaled = chart.one(CustomResources.ScaledObject.class).orElseThrow();
    assertThat(scaled.spec().maxReplicaCount()).isEqualTo(4);
    Map<String, String> trigger = scaled.spec().triggers().get(0).metadata();
    assertThat(trigger).containsEntry("topic", "inventory-images")
        .containsEntry("consumerGroup", chart.literalEnv().get("FASHION_APPLICATION_ID"));
  }

  @Test
  void podCustomisationLandsWhereKubernetesReadsIt() {
    RenderedChart chart = RenderedChart.render(podCustomisation());
    PodSpec pod = chart.podTemplate().getSpec();
    Container classifier = chart.classifier();
    assertThat(classifier.getEnv()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo("AWS_ROLE_SESSION_NAME");
      assertThat(v.getValueFrom().getSecretKeyRef().getName()).isEqualTo("aws-session");
    }).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo("KAFKA_CLIENT_RACK");
      assertThat(v.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
    });
    assertThat(classifier.getEnvFrom()).extracting(e -> e.getConfigMapRef() != null ? e.getConfigMapRef().getName()
        : e.getSecretRef().getName()).containsExactly("classifier-settings", "classifier-secrets");
    assertThat(chart.literalEnv().get("JAVA_TOOL_OPTIONS")).as("appended, not replacing the chart's")
        .startsWith("-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError ")
        .endsWith(" -Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=https://idp.example.com/token");
    assertThat(chart.literalEnv()).containsEntry("FASHION_LOG_FORMAT", "json");
    assertThat(RenderedChart.render(Map.of()).literalEnv()).containsEntry("FASHION_LOG_FORMAT", "text");
    assertThat(pod.getVolumes()).extracting(v -> v.getName()).contains("msk-iam");
    assertThat(classifier.getVolumeMounts()).anyMatch(m -> m.getName().equals("msk-iam")
        && m.getMountPath().equals("/opt/msk-iam"));
    assertThat(pod.getInitContainers()).extracting(Container::getName).as("the model is copied first")
        .containsExactly("model", "msk-iam-jar");
    assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("classifier", "log-shipper");
    io.fabric8.kubernetes.api.model.ServiceAccount account =
        chart.one(io.fabric8.kubernetes.api.model.ServiceAccount.class).orElseThrow();
    assertThat(pod.getServiceAccountName()).isEqualTo(account.getMetadata().getName())
        .isEqualTo("shop-fashion-classifier");
    assertThat(account.getMetadata().getAnnotations())
        .containsEntry("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/classifier");
    assertThat(account.getAutomountServiceAccountToken()).isFalse();
    assertThat(chart.podTemplate().getMetadata().getLabels()).containsEntry("team", "vision");
    assertThat(chart.podTemplate().getMetadata().getAnnotations()).containsEntry("example.com/team", "vision");
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getValue()).isEqualTo("ml"));
    assertThat(pod.getAffinity().getNodeAffinity()).isNotNull();
    assertThat(pod.getTopologySpreadConstraints()).singleElement()
        .satisfies(t -> assertThat(t.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone"));
    assertThat(pod.getPriorityClassName()).isEqualTo("stream-processing");
  }

  @Test
  void anExistingServiceAccountIsUsedByName() {
    RenderedChart chart = RenderedChart.render(Map.of("serviceAccount", Map.of("name", "platform-classifier")));
    assertThat(chart.podTemplate().getSpec().getServiceAccountName()).isEqualTo("platform-classifier");
    assertThat(chart.all(io.fabric8.kubernetes.api.model.ServiceAccount.class)).isEmpty();
  }

  @Test
  void aPkcs12KeystoreAndAPemTruststoreAreMountedFilesKafkaReads() {
    RenderedChart chart = RenderedChart.render(strimziMutualTls());
    Map<String, Object> kafka = kafkaProperties(chart);
    assertThat(kafka).containsEntry("security.protocol", "SSL")
        .containsEntry("ssl.keystore.type", "PKCS12").containsEntry("ssl.truststore.type", "PEM");
    assertSecretFileMounted(chart, (String) kafka.get("ssl.keystore.location"), "shop-fashion-classifier",
        "user.p12");
    assertSecretFileMounted(chart, (String) kafka.get("ssl.truststore.location"), "shop-cluster-ca-cert", "ca.crt");
    assertThat(secretRef(chart, "KAFKA_SSL_KEYSTORE_PASSWORD").getKey()).isEqualTo("user.password");
    assertThat(chart.classifier().getEnv()).as("a PEM truststore has no password (Kafka refuses one)")
        .noneMatch(v -> v.getName().equals("KAFKA_SSL_TRUSTSTORE_PASSWORD"));
  }

  @Test
  void aPemKeyAndCertificateChainComeFromTheSecretIntoKafkasOwnSettings() {
    RenderedChart chart = RenderedChart.render(certManagerPem());
    assertThat(kafkaProperties(chart)).containsEntry("ssl.keystore.type", "PEM")
        .doesNotContainKey("ssl.keystore.location");
    assertThat(secretRef(chart, "KAFKA_SSL_KEYSTORE_KEY")).satisfies(ref -> {
      assertThat(ref.getName()).isEqualTo("classifier-tls");
      assertThat(ref.getKey()).isEqualTo("tls.key");
    });
    assertThat(secretRef(chart, "KAFKA_SSL_KEYSTORE_CERTIFICATE_CHAIN").getKey()).isEqualTo("tls.crt");
    // both become the settings Kafka's PEM key store reads
    Set<String> kafkaKeys = kafkaConfigNames();
    assertThat(kafkaKeys).contains("ssl.keystore.key", "ssl.keystore.certificate.chain");
    assertThat(chart.podTemplate().getSpec().getVolumes()).noneMatch(v -> v.getName().equals("kafka-keystore"));
  }

  @Test
  void theRegistryTakesABearerTokenAndAPemTruststore() {
    RenderedChart chart = RenderedChart.render(certManagerPem());
    assertThat(secretRef(chart, "SCHEMA_REGISTRY_BEARER_AUTH_TOKEN")).satisfies(ref -> {
      assertThat(ref.getName()).isEqualTo("registry-token");
      assertThat(ref.getKey()).isEqualTo("token");
    });
    Map<String, String> env = new HashMap<>(chart.literalEnv());
    env.put("SCHEMA_REGISTRY_BEARER_AUTH_TOKEN", "from-the-secret");
    Map<String, Object> serde = ClassifierConfig.load(null, env, Map.of()).serdeConfig();
    AvroSerdeConfig registry = new AvroSerdeConfig(serde);
    assertThat(registry.bearerToken()).isEqualTo("from-the-secret");
    assertThat(registry.sslTruststoreType()).isEqualTo("PEM");
    assertSecretFileMounted(chart, registry.sslTruststoreLocation(), "registry-ca", "ca.crt");
    assertThat(chart.classifier().getEnv()).noneMatch(v -> v.getName().equals("SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD"));
  }

  @Test
  void theStartupProbeHoldsLivenessForAsLongAsAStartMayTake() {
    Container classifier = RenderedChart.render(Map.of()).classifier();
    Probe startup = classifier.getStartupProbe();
    long budgetMs = (long) startup.getPeriodSeconds() * startup.getFailureThreshold() * 1000;
    long startupTimeoutMs = Long.parseLong(ClassifierConfig.DEFINITION.configKeys()
        .get(ClassifierConfig.STARTUP_TIMEOUT_MS).defaultValue.toString());
    // the brokers' answer, the topics and the output subjects are each bounded by the start-up timeout
    assertThat(budgetMs).as("model load plus the start-up checks").isGreaterThan(3 * startupTimeoutMs);
    assertThat(classifier.getLivenessProbe().getInitialDelaySeconds()).as("the startup probe waits instead")
        .isZero();
  }

  @Test
  void aDeploymentsPodsLeaveTheGroupOnStopWhileStaticMembersKeepTheirPartitions() {
    Map<String, String> deployment = RenderedChart.render(Map.of("workload", "Deployment")).literalEnv();
    Map<String, String> statefulSet = new HashMap<>(RenderedChart.render(Map.of()).literalEnv());
    // the pod name the fieldRef gives
    statefulSet.put("KAFKA_GROUP_INSTANCE_ID", "shop-fashion-classifier-0");
    assertThat(ClassifierConfig.load(null, deployment, Map.of()).leaveGroupOnShutdown()).isTrue();
    assertThat(ClassifierConfig.load(null, statefulSet, Map.of()).leaveGroupOnShutdown()).isFalse();
  }

  @Test
  void aDrainMayEvictAPodThatIsNotReady() {
    PodDisruptionBudget pdb = RenderedChart.render(Map.of()).one(PodDisruptionBudget.class).orElseThrow();
    assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");
  }

  @Test
  void kedaCountsUncommittedPartitionsFromTheStartAndScalesOnePodAtATime() {
    RenderedChart chart = RenderedChart.render(strimziMutualTls());
    CustomResources.ScaledObject scaled = chart.one(CustomResources.ScaledObject.class).orElseThrow();
    String applicationId = chart.literalEnv().get("FASHION_APPLICATION_ID");
    assertThat(scaled.spec().triggers()).extracting(t -> t.metadata().get("topic"))
        .containsExactly("inventory-images", applicationId + "-accuracy-partials-repartition");
    assertThat(scaled.spec().triggers()).allSatisfy(t -> {
      assertThat(t.metadata()).containsEntry("offsetResetPolicy", "earliest")
          .containsEntry("consumerGroup", applicationId);
      assertThat(t.authenticationRef().name()).isEqualTo("kafka-trigger-auth");
    });
    CustomResources.Behavior behavior = scaled.spec().advanced().horizontalPodAutoscalerConfig().behavior();
    assertThat(behavior.scaleUp().policies()).singleElement().satisfies(p -> assertThat(p.value()).isEqualTo(1));
    assertThat(behavior.scaleDown().stabilizationWindowSeconds()).isEqualTo(300);
    assertThat(ClassifierConfig.load(null, chart.literalEnv(), Map.of()).streamsProperties())
        .as("what offsetResetPolicy mirrors").containsEntry("consumer.auto.offset.reset", "earliest");
  }

  @Test
  void strimziOwnsTheTopicsAndAUserWithTheAclsTheClassifierNeeds() {
    RenderedChart chart = RenderedChart.render(strimziMutualTls());
    ClassifierConfig config = ClassifierConfig.load(null, chart.literalEnv(), Map.of());
    List<CustomResources.KafkaTopic> topics = chart.all(CustomResources.KafkaTopic.class);
    assertThat(topics).extracting(t -> t.spec().topicName()).containsExactly(config.inputTopic(),
        config.classifiedTopic(), config.aggregatesTopic(), config.deadLetterTopic(), config.healthTopic());
    assertThat(topics).allSatisfy(t -> {
      assertThat(t.metadata().labels()).containsEntry("strimzi.io/cluster", "shop");
      assertThat(t.spec().partitions()).isEqualTo(6);
    });
    assertThat(topics.get(2).spec().config()).containsEntry("cleanup.policy", "compact,delete")
        .containsEntry("retention.ms", ClassifierConfig.DEFINITION.configKeys()
            .get("fashion.aggregates.retention.ms").defaultValue.toString());
    assertThat(chart.literalEnv()).containsEntry("FASHION_TOPICS_CREATE", "false");

    CustomResources.KafkaUser user = chart.one(CustomResources.KafkaUser.class).orElseThrow();
    assertThat(user.metadata().name()).as("its Secret is the keystore the pods mount")
        .isEqualTo(secretRef(chart, "KAFKA_SSL_KEYSTORE_PASSWORD").getName());
    assertThat(user.spec().authentication().type()).isEqualTo("tls");
    String id = config.streamsProperties().getProperty("application.id");
    assertThat(user.spec().authorization().acls()).extracting(a -> a.resource().type() + ":" + a.resource().name()
        + ":" + a.resource().patternType() + ":" + a.operations()).containsExactly(
        "topic:" + config.inputTopic() + ":literal:[Read, Describe]",
        "topic:" + config.classifiedTopic() + ":literal:[Write, Describe]",
        "topic:" + config.aggregatesTopic() + ":literal:[Write, Describe]",
        "topic:" + config.deadLetterTopic() + ":literal:[Write, Describe]",
        "topic:" + config.healthTopic() + ":literal:[Write, Describe]",
        "topic:" + id + "-:prefix:[All]",
        "group:" + id + ":literal:[Read, Describe]",
        "transactionalId:" + id + "-:prefix:[Write, Describe]");
  }

  private static Map<String, Object> kafkaProperties(RenderedChart chart) {
    Map<String, Object> props = new HashMap<>();
    ClassifierConfig.load(null, chart.literalEnv(), Map.of()).streamsProperties()
        .forEach((k, v) -> props.put(k.toString(), v));
    return props;
  }

  private static SecretKeySelector secretRef(RenderedChart chart, String variable) {
    return chart.classifier().getEnv().stream().filter(v -> v.getName().equals(variable)).findFirst()
        .map(v -> v.getValueFrom().getSecretKeyRef())
        .orElseThrow(() -> new AssertionError(variable + " is not set from a Secret"));
  }

  /** {@code path} is the file a Secret volume makes of {@code key} of {@code secret}, mounted read-only. */
  private static void assertSecretFileMounted(RenderedChart chart, String path, String secret, String key) {
    assertThat(path).isNotNull();
    VolumeMount mount = mountHolding(chart.classifier(), path);
    assertThat(mount.getReadOnly()).isTrue();
    var volume = chart.podTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
    assertThat(volume.getSecret().getSecretName()).isEqualTo(secret);
    assertThat(volume.getSecret().getItems()).anyMatch(item -> item.getKey().equals(key)
        && Path.of(mount.getMountPath()).resolve(item.getPath()).equals(Path.of(path)));
  }

  static Stream<Arguments> invalidValues() {
    return Stream.of(
        Arguments.of(Map.of("kafka", Map.of("bootstrapServer", "kafka:9092")), "bootstrapServer"),
        Arguments.of(Map.of("workload", "DaemonSet"), "workload"),
        Arguments.of(Map.of("topics", Map.of("partitions", 0)), "partitions"),
        Arguments.of(Map.of("kafka", Map.of("securityProtocol", "SASL")), "securityProtocol"),
        Arguments.of(Map.of("classifier", Map.of("extraEnv", Map.of("JAVA_OPTS", "-Xmx1g"))), "JAVA_OPTS"),
        Arguments.of(Map.of("heapPercentage", 95), "heapPercentage"),
        Arguments.of(Map.of("kafka", Map.of("tls", Map.of("truststoreSecret", Map.of("type", "JKS")))), "type"),
        Arguments.of(Map.of("extraEnvVars", List.of(Map.of("value", "x"))), "name"),
        Arguments.of(Map.of("serviceAccount", Map.of("create", true, "annotation", Map.of())), "annotation"),
        Arguments.of(Map.of("pdb", Map.of("unhealthyPodEvictionPolicy", "Never")), "unhealthyPodEvictionPolicy"),
        Arguments.of(Map.of("logFormat", "xml"), "logFormat"),
        Arguments.of(Map.of("image", Map.of("digest", "latest")), "digest"),
        Arguments.of(Map.of("modelRollout", Map.of("action", "promote")), "action"),
        Arguments.of(Map.of("updateStrategy", Map.of("rollingUpdate", Map.of("partition", -1))), "partition"),
        Arguments.of(Map.of("autoscaling", Map.of("keda", Map.of("offsetResetPolicy", "none"))), "offsetResetPolicy"),
        Arguments.of(Map.of("strimzi", Map.of("user", Map.of("authentication", "plain"))), "authentication"),
        Arguments.of(Map.of("metrics", Map.of("prometheusRule", Map.of("shadowDisagreement", 2))),
            "shadowDisagreement"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalidValues")
  void theValuesSchemaRejectsUnknownAndMalformedValues(Map<String, Object> values, String field) {
    assertThatThrownBy(() -> RenderedChart.render(values))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(field);
  }

  @Test
  void imagesByDigestIgnoreTheirTags() {
    RenderedChart chart = RenderedChart.render(Map.of(
        "image", Map.of("repository", "registry.example.com/fashion-classifier", "tag", "1.0", "digest", DIGEST),
        "model", Map.of("image", Map.of("repository", "registry.example.com/fashion-model", "digest", DIGEST))));
    assertThat(chart.classifier().getImage()).isEqualTo("registry.example.com/fashion-classifier@" + DIGEST);
    assertThat(chart.podTemplate().getSpec().getInitContainers()).singleElement()
        .extracting(Container::getImage).isEqualTo("registry.example.com/fashion-model@" + DIGEST);
  }

  @Test
  void aModelImageVolumeReplacesTheCopyingInitContainer() {
    RenderedChart chart = RenderedChart.render(Map.of("model", Map.of("image", Map.of("volume", true))));
    PodSpec pod = chart.podTemplate().getSpec();
    assertThat(pod.getInitContainers()).isNullOrEmpty();
    Volume model = pod.getVolumes().stream().filter(v -> v.getName().equals("model")).findFirst().orElseThrow();
    assertThat(model.getImage().getReference()).isEqualTo("fashion-classifier-model:cnn-2026-11");
    assertThat(model.getEmptyDir()).isNull();
    VolumeMount mount = chart.classifier().getVolumeMounts().stream()
        .filter(m -> m.getName().equals("model")).findFirst().orElseThrow();
    assertThat(mount.getReadOnly()).isTrue();
    assertThat(mount.getSubPath()).as("the bundle's directory in the image").isEqualTo("model");
    assertThat(mount.getMountPath()).isEqualTo("/models");
  }

  @Test
  void theModelRolloutJobOfEachReleaseMovesThePointerOnTheClaimThePodsShare() {
    RenderedChart chart = RenderedChart.render(modelRollout("activate", "cnn-v4"));
    Job job = chart.one(Job.class).orElseThrow();
    assertThat(job.getMetadata().getName()).as("one Job per release revision")
        .isEqualTo(RenderedChart.RELEASE + "-fashion-classifier-model-activate-r1");
    PodSpec jobPod = job.getSpec().getTemplate().getSpec();
    assertThat(jobPod.getRestartPolicy()).isEqualTo("Never");
    Container mover = jobPod.getContainers().get(0);
    assertThat(mover.getImage()).isEqualTo(chart.classifier().getImage());
    assertThat(mover.getArgs()).containsExactly("model", "activate", "cnn-v4", "--wait", "90s");
    assertThat(mover.getEnv()).contains(new EnvVar("FASHION_MODEL_DIR", "/models", null));
    assertThat(jobPod.getVolumes()).filteredOn(v -> v.getName().equals("model")).singleElement()
        .satisfies(v -> {
          assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("models");
          assertThat(v.getPersistentVolumeClaim().getReadOnly()).isNotEqualTo(Boolean.TRUE);
        });
    assertThat(mover.getVolumeMounts()).filteredOn(m -> m.getName().equals("model")).singleElement()
        .satisfies(m -> assertThat(m.getSubPath()).isEqualTo("repository"));
    // the pods write the serving reports the Job waits for
    Volume podModel = chart.podTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals("model")).findFirst().orElseThrow();
    assertThat(podModel.getPersistentVolumeClaim().getReadOnly()).isNotEqualTo(Boolean.TRUE);
    assertThat(chart.classifier().getVolumeMounts()).filteredOn(m -> m.getName().equals("model")).singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isNotEqualTo(Boolean.TRUE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rolloutActions")
  void eachRolloutActionRunsItsModelCommand(String action, List<String> args) {
    Job job = RenderedChart.render(modelRollout(action, "cnn-v4")).one(Job.class).orElseThrow();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsExactlyElementsOf(args);
  }

  static Stream<Arguments> rolloutActions() {
    return Stream.of(
        Arguments.of("shadow", List.of("model", "shadow", "cnn-v4", "--wait", "90s")),
        Arguments.of("stop-shadow", List.of("model", "shadow", "--off", "--wait", "90s")),
        Arguments.of("rollback", List.of("model", "rollback", "--wait", "90s")));
  }

  @Test
  void withoutTheRolloutJobTheModelClaimIsReadOnly() {
    RenderedChart chart = RenderedChart.render(Map.of("model", Map.of(
        "image", Map.of("repository", ""), "existingClaim", "models")));
    assertThat(chart.all(Job.class)).isEmpty();
    assertThat(chart.classifier().getVolumeMounts()).filteredOn(m -> m.getName().equals("model")).singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
  }

  @Test
  void aPartitionedRollingUpdateCanariesTheLastPods() {
    StatefulSet set = (StatefulSet) RenderedChart.render(Map.of("replicaCount", 3,
        "updateStrategy", Map.of("type", "RollingUpdate", "rollingUpdate", Map.of("partition", 2)))).workload();
    assertThat(set.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(set.getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).isEqualTo(2);
  }

  static Stream<Arguments> impossibleValues() {
    return Stream.of(
        Arguments.of(Map.of("kafka", Map.of("bootstrapServers", "")), "kafka.bootstrapServers is required"),
        Arguments.of(Map.of("schemaRegistry", Map.of("url", "")), "schemaRegistry.url is required"),
        Arguments.of(Map.of("model", Map.of("image", Map.of("repository", ""))), "no model"),
        Arguments.of(Map.of("model", Map.of("existingClaim", "models")), "choose one source for the model"),
        Arguments.of(Map.of("model", Map.of("image", Map.of("tag", ""))),
            "model.image.tag or model.image.digest is required"),
        Arguments.of(Map.of("modelRollout", Map.of("enabled", true, "bundle", "cnn-v4")),
            "modelRollout.enabled needs model.existingClaim"),
        Arguments.of(modelRollout("shadow", ""), "modelRollout.bundle is required with modelRollout.action=shadow"),
        Arguments.of(Map.of("kafka", Map.of("securityProtocol", "SASL_SSL", "sasl", Map.of("mechanism", "PLAIN"))),
            "kafka.sasl.jaasConfigSecret.name is required"),
        Arguments.of(Map.of("kafka", Map.of("securityProtocol", "SASL_SSL",
            "sasl", Map.of("jaasConfigSecret", Map.of("name", "s")))), "kafka.sasl.mechanism is required"),
        Arguments.of(Map.of("terminationGracePeriodSeconds", 20), "must exceed classifier.shutdownTimeoutMs"),
        Arguments.of(Map.of("autoscaling", Map.of("keda", Map.of("enabled", true))),
            "autoscaling.keda.maxReplicaCount is required"),
        Arguments.of(Map.of("autoscaling", Map.of("keda", Map.of("enabled", true, "maxReplicaCount", 7))),
            "exceeds topics.partitions (6)"),
        Arguments.of(Map.of("kafka", Map.of("securityProtocol", "SSL"),
            "autoscaling", Map.of("keda", Map.of("enabled", true, "maxReplicaCount", 2))),
            "autoscaling.keda.authenticationRef is required"),
        Arguments.of(Map.of("schemaRegistry", Map.of("userInfoSecret", Map.of("name", "a"),
            "bearerTokenSecret", Map.of("name", "b"))), "the registry takes one kind of credentials"),
        Arguments.of(Map.of("extraEnvVars", List.of(Map.of("name", "JAVA_TOOL_OPTIONS", "value", "-Xmx1g"))),
            "put the options in javaOptions"),
        Arguments.of(Map.of("kafka", Map.of("tls", Map.of("keystoreSecret", Map.of("name", "user")))),
            "a client certificate needs SSL"),
        Arguments.of(Map.of("strimzi", Map.of("user", Map.of("enabled", true))), "strimzi.cluster is required"),
        Arguments.of(Map.of("strimzi", Map.of("cluster", "shop", "topics", Map.of("enabled", true))),
            "set topics.create: false"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("impossibleValues")
  void valuesThatCannotWorkFailWithWhatToSet(Map<String, Object> values, String message) {
    assertThatThrownBy(() -> RenderedChart.render(values)).hasMessageContaining(message);
  }

  /** The mount a path lies on (the deepest mount at or above it). */
  private static VolumeMount mountHolding(Container container, String path) {
    return container.getVolumeMounts().stream()
        .filter(m -> Path.of(path).startsWith(Path.of(m.getMountPath())))
        .max(java.util.Comparator.comparingInt(m -> m.getMountPath().length()))
        .orElseThrow(() -> new AssertionError("nothing is mounted at or above " + path + " in " + container.getName()));
  }

  private static List<Container> containers(PodSpec pod) {
    List<Container> all = new ArrayList<>(nullToEmpty(pod.getInitContainers()));
    all.addAll(pod.getContainers());
    return all;
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Object nested(Map<String, Object> values, String... path) {
    Object node = values;
    for (String key : path) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = map.get(key);
    }
    return node;
  }
}

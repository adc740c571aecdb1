package io.fashionclassifier.deployment;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.commons.io.FileUtils;

/**
 * A kubelet in Docker: runs a rendered pod spec in the local engine the way a kubelet would on one node with host
 * networking. Init containers run to completion in order, then the containers start with the pod's name as
 * hostname and for {@code fieldRef: metadata.name}, the security context as {@code --user}, {@code --read-only},
 * {@code --cap-drop}, {@code no-new-privileges}, {@code fsGroup} as a supplementary group owning the volumes,
 * {@code emptyDir}s as fresh node directories (what a kubelet makes of them), volume claims as directories the
 * caller keeps between pods, Secrets (given by the caller) as read-only files of their items and as
 * {@code secretKeyRef} values, resource limits as {@code --memory}/{@code --cpus} and CPU requests as CPU shares.
 * Probes run with kubelet semantics (initial delay, period, timeout, success and failure thresholds); a startup
 * probe holds the liveness and readiness probes until it succeeds. Docker injects no service variables, which is
 * what {@code enableServiceLinks: false} asks for (the harness refuses {@code true}).
 *
 * <p>Any field of the pod spec the harness cannot emulate fails {@link #start}, so a new chart feature forces the
 * harness (and the test) to grow with it.
 */
final class DockerPod implements AutoCloseable {

  /** JSON paths of the pod spec the harness emulates; {@code []} stands for any array index. */
  private static final Set<String> EMULATED = Set.of(
      "automountServiceAccountToken", "terminationGracePeriodSeconds", "enableServiceLinks", "restartPolicy",
      "securityContext.runAsNonRoot", "securityContext.runAsUser", "securityContext.runAsGroup",
      "securityContext.fsGroup", "securityContext.seccompProfile.type",
      "volumes[].name", "volumes[].emptyDir", "volumes[].persistentVolumeClaim.claimName",
      "volumes[].persistentVolumeClaim.readOnly",
      "volumes[].secret.secretName", "volumes[].secret.items[].key", "volumes[].secret.items[].path");
  private static final Set<String> EMULATED_CONTAINER = Set.of(
      "name", "image", "imagePullPolicy", "command[]", "args[]",
      "ports[].name", "ports[].containerPort", "ports[].protocol",
      "env[].name", "env[].value", "env[].valueFrom.fieldRef.fieldPath",
      "env[].valueFrom.secretKeyRef.name", "env[].valueFrom.secretKeyRef.key",
      "resources.limits.cpu", "resources.limits.memory", "resources.requests.cpu", "resources.requests.memory",
      "securityContext.runAsNonRoot", "securityContext.allowPrivilegeEscalation",
      "securityContext.readOnlyRootFilesystem", "securityContext.capabilities.drop[]",
      "volumeMounts[].name", "volumeMounts[].mountPath", "volumeMounts[].readOnly", "volumeMounts[].subPath",
      "livenessProbe.httpGet.path", "livenessProbe.httpGet.port", "livenessProbe.initialDelaySeconds",
      "livenessProbe.periodSeconds", "livenessProbe.timeoutSeconds", "livenessProbe.failureThreshold",
      "livenessProbe.successThreshold",
      "readinessProbe.httpGet.path", "readinessProbe.httpGet.port", "readinessProbe.initialDelaySeconds",
      "readinessProbe.periodSeconds", "readinessProbe.timeoutSeconds", "readinessProbe.failureThreshold",
      "readinessProbe.successThreshold",
      "startupProbe.httpGet.path", "startupProbe.httpGet.port", "startupProbe.initialDelaySeconds",
      "startupProbe.periodSeconds", "startupProbe.timeoutSeconds", "startupProbe.failureThreshold",
      "startupProbe.successThreshold");
  private static final Pattern ARRAY_INDEX = Pattern.compile("\\[\\d+]");
  /** Quantity and IntOrString serialise as beans with a plain mapper: their inner fields are one value. */
  private static final Pattern SCALAR_PARTS =
      Pattern.compile("(\\.(?:cpu|memory|port))\\.(?:amount|format|value|strVal|intVal|kind)$");

  private final String name;
  private final PodSpec spec;
  private final Path emptyDirs;
  private final Map<String, Map<String, byte[]>> secrets;
  private final List<String> containerIds = new ArrayList<>();
  private final ScheduledExecutorService probes = Executors.newScheduledThreadPool(2);
  private final ProbeState liveness = new ProbeState();
  private final ProbeState readiness = new ProbeState();
  private final ProbeState startup = new ProbeState();

  private DockerPod(String name, PodSpec spec, Path emptyDirs, Map<String, Map<String, byte[]>> secrets) {
    this.name = name;
    this.spec = spec;
    this.emptyDirs = emptyDirs;
    this.secrets = secrets;
  }

  /**
   * Starts the pod: init containers to completion, then the containers, then their probes.
   *
   * @param claims directory per volume claim name (StatefulSet claim templates and existing claims), kept by the
   *     caller so that a pod started again with the same name finds its data
   */
  static DockerPod start(String name, PodSpec spec, Map<String, Path> claims) {
    return start(name, spec, claims, Map.of());
  }

  /**
   * The same, in a namespace holding {@code secrets} (name -> key -> content) for the pod's Secret volumes and
   * {@code secretKeyRef}s; a missing Secret or key fails the start, as it keeps a real pod from starting.
   */
  static DockerPod start(String name, PodSpec spec, Map<String, Path> claims,
      Map<String, Map<String, byte[]>> secrets) {
    rejectWhatCannotBeEmulated(spec);
    Path emptyDirs;
    try {
      emptyDirs = Files.createTempDirectory("pod-" + name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    DockerPod pod = new DockerPod(name, spec, emptyDirs, secrets);
    try {
      Map<String, Path> volumes = pod.volumes(claims);
      List<Container> inits = spec.getInitContainers() == null ? List.of() : spec.getInitContainers();
      for (Container init : inits) {
        String id = Docker.run(pod.runArguments(init, volumes)).trim();
        pod.containerIds.add(id);
        int exit = Integer.parseInt(Docker.run(List.of("wait", id)).trim());
        if (exit != 0) {
          throw new IllegalStateException("init container " + init.getName() + " exited with " + exit + ":\n"
              + Docker.logs(id));
        }
      }
      if (spec.getContainers().size() != 1) {
        throw new IllegalArgumentException("the harness runs pods of one container");
      }
      Container main = spec.getContainers().get(0);
      pod.containerIds.add(Docker.run(pod.runArguments(main, volumes)).trim());
      pod.startProbe(main, main.getStartupProbe(), pod.startup);
      pod.startProbe(main, main.getLivenessProbe(), pod.liveness);
      pod.startProbe(main, main.getReadinessProbe(), pod.readiness);
      return pod;
    } catch (RuntimeException e) {
      pod.close();
      throw e;
    }
  }

  private static void rejectWhatCannotBeEmulated(PodSpec spec) {
    ObjectMapper json = new ObjectMapper();
    JsonNode pod = json.valueToTree(spec);
    List<String> unsupported = new ArrayList<>();
    for (String path : leafPaths(pod, "")) {
      String general = SCALAR_PARTS.matcher(ARRAY_INDEX.matcher(path).replaceAll("[]")).replaceAll("$1");
      if (general.startsWith("containers[].") || general.startsWith("initContainers[].")) {
        String inContainer = general.substring(general.indexOf("].") + 2);
        if (!EMULATED_CONTAINER.contains(inContainer)) {
          unsupported.add(path);
        }
      } else if (!EMULATED.contains(general)) {
        unsupported.add(path);
      }
    }
    if (!unsupported.isEmpty()) {
      throw new IllegalArgumentException("the Docker pod harness cannot emulate " + unsupported
          + ": teach DockerPod what a kubelet does with them");
    }
    // a container the engine runs once is a Job's pod with restartPolicy Never; nothing else restarts here either
    if (spec.getRestartPolicy() != null && !spec.getRestartPolicy().equals("Never")) {
      throw new IllegalArgumentException("only restartPolicy Never is emulated, not " + spec.getRestartPolicy());
    }
    if (!Boolean.FALSE.equals(spec.getEnableServiceLinks())) {
      throw new IllegalArgumentException("service links cannot be emulated: the pod must set enableServiceLinks: false");
    }
    if (!Boolean.FALSE.equals(spec.getAutomountServiceAccountToken())) {
      throw new IllegalArgumentException("a service account token cannot be emulated: the pod must not mount one");
    }
    PodSecurityContext security = spec.getSecurityContext();
    if (security != null && security.getSeccompProfile() != null
        && !"RuntimeDefault".equals(security.getSeccompProfile().getType())) {
      throw new IllegalArgumentException("only the RuntimeDefault seccomp profile (Docker's default) is emulated");
    }
  }

  private static List<String> leafPaths(JsonNode node, String path) {
    List<String> leaves = new ArrayList<>();
    if (node.isObject()) {
      if (node.isEmpty()) {
        leaves.add(path);
      }
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        leaves.addAll(leafPaths(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey()));
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        leaves.addAll(leafPaths(node.get(i), path + "[" + i + "]"));
      }
    } else if (!node.isNull()) {
      leaves.add(path);
    }
    return leaves;
  }

  private Map<String, Path> volumes(Map<String, Path> claims) {
    Map<String, Path> volumes = new java.util.HashMap<>(claims);
    Long fsGroup = spec.getSecurityContext() == null ? null : spec.getSecurityContext().getFsGroup();
    for (Volume volume : spec.getVolumes()) {
      Path directory;
      if (volume.getSecret() != null) {
        volumes.put(volume.getName(), secretFiles(volume));
        continue;
      }
      if (volume.getEmptyDir() != null) {
        directory = emptyDirs.resolve(volume.getName());
        try {
          Files.createDirectories(directory);
          // a kubelet creates emptyDirs world-writable
          Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      } else {
        String claim = volume.getPersistentVolumeClaim().getClaimName();
        directory = claims.get(claim);
        if (directory == null) {
          throw new IllegalArgumentException("no directory given for the volume claim " + claim);
        }
      }
      volumes.put(volume.getName(), directory);
    }
    if (fsGroup != null) {
      // fsGroup: the kubelet makes the pod's volumes group-owned and group-writable
      for (Path directory : volumes.values()) {
        try {
          Files.setAttribute(directory, "unix:gid", fsGroup.intValue());
          Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxr-x"));
        } catch (IOException | UnsupportedOperationException e) {
          throw new IllegalStateException("cannot emulate fsGroup on " + directory + " (run as root)", e);
        }
      }
    }
    return volumes;
  }

  /** A Secret volume: its items as files, readable by the pod's user, in a directory no other volume shares. */
  private Path secretFiles(Volume volume) {
    String secretName = volume.getSecret().getSecretName();
    Map<String, byte[]> secret = secrets.get(secretName);
    if (secret == null) {
      throw new IllegalArgumentException("Secret " + secretName + " not found (volume " + volume.getName() + ")");
    }
    Path directory = emptyDirs.resolve("secret-" + volume.getName());
    try {
      Files.createDirectories(directory);
      for (var item : volume.getSecret().getItems()) {
        byte[] content = secret.get(item.getKey());
        if (content == null) {
          throw new IllegalArgumentException("Secret " + secretName + " has no key " + item.getKey());
        }
        Path file = directory.resolve(item.getPath());
        Files.write(file, content);
        // the kubelet's defaultMode 0644
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return directory;
  }

  private String secretValue(String secretName, String key) {
    Map<String, byte[]> secret = secrets.get(secretName);
    if (secret == null || secret.get(key) == null) {
      throw new IllegalArgumentException("secretKeyRef " + secretName + "/" + key + " not found");
    }
    return new String(secret.get(key), StandardCharsets.UTF_8);
  }

  private List<String> runArguments(Container container, Map<String, Path> volumes) {
    List<String> args = new ArrayList<>(List.of("run", "--name", name + "-" + container.getName(),
        "--network", "host", "--hostname", name, "--detach"));
    PodSecurityContext pod = spec.getSecurityContext() == null ? new PodSecurityContext() : spec.getSecurityContext();
    SecurityContext own = container.getSecurityContext() == null ? new SecurityContext() : container.getSecurityContext();
    Long user = own.getRunAsUser() != null ? own.getRunAsUser() : pod.getRunAsUser();
    Long group = own.getRunAsGroup() != null ? own.getRunAsGroup() : pod.getRunAsGroup();
    boolean nonRoot = Boolean.TRUE.equals(own.getRunAsNonRoot()) || Boolean.TRUE.equals(pod.getRunAsNonRoot());
    if (user != null) {
      args.addAll(List.of("--user", user + (group != null ? ":" + group : "")));
    }
    if (nonRoot) {
      String effective = user != null ? user.toString()
          : Docker.run(List.of("image", "inspect", "--format", "{{.Config.User}}", container.getImage())).trim();
      if (effective.isEmpty() || effective.equals("0") || effective.startsWith("0:") || effective.equals("root")) {
        throw new IllegalStateException("runAsNonRoot: " + container.getName() + " would run as root");
      }
    }
    if (pod.getFsGroup() != null) {
      args.addAll(List.of("--group-add", pod.getFsGroup().toString()));
    }
    if (Boolean.TRUE.equals(own.getReadOnlyRootFilesystem())) {
      args.add("--read-only");
    }
    if (Boolean.FALSE.equals(own.getAllowPrivilegeEscalation())) {
      args.addAll(List.of("--security-opt", "no-new-privileges"));
    }
    if (own.getCapabilities() != null && own.getCapabilities().getDrop() != null) {
      own.getCapabilities().getDrop().forEach(cap -> args.addAll(List.of("--cap-drop", cap)));
    }
    if (container.getResources() != null) {
      Map<String, Quantity> limits = container.getResources().getLimits();
      Map<String, Quantity> requests = container.getResources().getRequests();
      if (limits != null && limits.get("memory") != null) {
        args.addAll(List.of("--memory", Quantity.getAmountInBytes(limits.get("memory")).toBigInteger().toString()));
      }
      if (limits != null && limits.get("cpu") != null) {
        args.addAll(List.of("--cpus", Quantity.getAmountInBytes(limits.get("cpu")).toPlainString()));
      }
      if (requests != null && requests.get("cpu") != null) {
        // as the kubelet: 1024 shares per requested CPU
        BigDecimal cores = Quantity.getAmountInBytes(requests.get("cpu"));
        args.addAll(List.of("--cpu-shares", cores.multiply(BigDecimal.valueOf(1024)).toBigInteger().toString()));
      }
    }
    for (EnvVar env : container.getEnv() == null ? List.<EnvVar>of() : container.getEnv()) {
      String value;
      if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
        value = secretValue(env.getValueFrom().getSecretKeyRef().getName(), env.getValueFrom().getSecretKeyRef().getKey());
      } else if (env.getValueFrom() != null) {
        String field = env.getValueFrom().getFieldRef().getFieldPath();
        if (!field.equals("metadata.name")) {
          throw new IllegalArgumentException("fieldRef " + field + " cannot be emulated");
        }
        value = name;
      } else {
        value = env.getValue() == null ? "" : env.getValue();
      }
      args.addAll(List.of("--env", env.getName() + "=" + value));
    }
    for (VolumeMount mount : container.getVolumeMounts() == null ? List.<VolumeMount>of()
        : container.getVolumeMounts()) {
      Path source = volumes.get(mount.getName());
      if (source == null) {
        throw new IllegalArgumentException("mount " + mount.getMountPath() + " names no volume: " + mount.getName());
      }
      if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
        source = source.resolve(mount.getSubPath());
      }
      args.addAll(List.of("--volume", source.toAbsolutePath() + ":" + mount.getMountPath()
          + (Boolean.TRUE.equals(mount.getReadOnly()) ? ":ro" : "")));
    }
    List<String> command = container.getCommand() == null ? List.of() : container.getCommand();
    if (!command.isEmpty()) {
      args.addAll(List.of("--entrypoint", command.get(0)));
    }
    args.add(container.getImage());
    if (!command.isEmpty()) {
      args.addAll(command.subList(1, command.size()));
      // Kubernetes: command replaces the entrypoint and args replace the image's CMD; without args, none
      if (container.getArgs() != null) {
        args.addAll(container.getArgs());
      }
    } else if (container.getArgs() != null) {
      args.addAll(container.getArgs());
    }
    return args;
  }

  private void startProbe(Container container, Probe probe, ProbeState state) {
    if (probe == null) {
      state.record(true, 1, 1);
      return;
    }
    int port = port(container, probe);
    URI uri = URI.create("http://127.0.0.1:" + port + probe.getHttpGet().getPath());
    int timeout = probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds();
    int period = probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds();
    int delay = probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds();
    int success = probe.getSuccessThreshold() == null ? 1 : probe.getSuccessThreshold();
    int failure = probe.getFailureThreshold() == null ? 3 : probe.getFailureThreshold();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(timeout)).build();
    probes.scheduleAtFixedRate(() -> {
      // the kubelet runs no other probe of a container until its startup probe has succeeded
      if (state != startup && !startup.passing()) {
        return;
      }
      if (state == startup && startup.passing()) {
        return;
      }
      boolean ok;
      try {
        HttpResponse<Void> response = client.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(timeout)).GET().build(),
            HttpResponse.BodyHandlers.discarding());
        // the kubelet's rule: 200-399 passes
        ok = response.statusCode() >= 200 && response.statusCode() < 400;
      } catch (IOException e) {
        ok = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      state.record(ok, success, failure);
    }, delay, period, TimeUnit.SECONDS);
  }

  private static int port(Container container, Probe probe) {
    var port = probe.getHttpGet().getPort();
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
        .map(ContainerPort::getContainerPort).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("probe port " + port.getStrVal() + " is not declared"));
  }

  /** Waits until the pod is ready, failing at once when its container exits. */
  void awaitReady(Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(500))
        .failFast("the container exited", () -> !running())
        .until(this::ready);
  }

  /** Ready as the kubelet sees it: the readiness probe's success threshold met since its last failure streak. */
  boolean ready() {
    return readiness.passing();
  }

  /**
   * Whether the kubelet would have restarted the container: the liveness probe, or the startup probe before it
   * succeeded, failed its threshold in a row.
   */
  boolean livenessEverFailed() {
    return liveness.thresholdReached() || startup.thresholdReached();
  }

  /** Whether the startup probe has succeeded, which releases the liveness and readiness probes. */
  boolean started() {
    return startup.passing();
  }

  /** Startup probes that failed before the first success: how long the startup probe held the others. */
  int startupFailuresBeforeSuccess() {
    return startup.failuresBeforePassing();
  }

  /** Liveness probes run so far (none until the startup probe succeeded). */
  int livenessProbesRun() {
    return liveness.runs();
  }

  String mainContainer() {
    return containerIds.get(containerIds.size() - 1);
  }

  Path emptyDir(String volume) {
    return emptyDirs.resolve(volume);
  }

  String logs() {
    return Docker.logs(mainContainer());
  }

  /** Everything the main container wrote since it started, the JVM's own first lines included. */
  String allLogs() {
    return Docker.logs(mainContainer(), "all");
  }

  boolean running() {
    return Boolean.parseBoolean(inspect("{{.State.Running}}"));
  }

  boolean oomKilled() {
    return Boolean.parseBoolean(inspect("{{.State.OOMKilled}}"));
  }

  int exitCode() {
    return Integer.parseInt(inspect("{{.State.ExitCode}}"));
  }

  String inspect(String format) {
    return Docker.run(List.of("inspect", "--format", format, mainContainer())).trim();
  }

  /** Deletion as Kubernetes does it: SIGTERM, then SIGKILL after the grace period. Returns the time it took. */
  Duration stop() {
    probes.shutdownNow();
    long grace = spec.getTerminationGracePeriodSeconds() == null ? 30 : spec.getTerminationGracePeriodSeconds();
    long started = System.nanoTime();
    Docker.run(List.of("stop", "--time", Long.toString(grace), mainContainer()));
    return Duration.ofNanos(System.nanoTime() - started);
  }

  @Override
  public void close() {
    probes.shutdownNow();
    for (String id : containerIds) {
      Docker.runQuietly(List.of("rm", "--force", "--volumes", id));
    }
    FileUtils.deleteQuietly(emptyDirs.toFile());
  }

  /** Consecutive results of one probe, with the kubelet's thresholds. */
  private static final class ProbeState {
    private int successes;
    private int failures;
    private boolean passing;
    private boolean thresholdReached;

    private int runs;
    private int failuresBeforePassing;

    synchronized void record(boolean ok, int successThreshold, int failureThreshold) {
      runs++;
      if (!ok && !passing && successes == 0) {
        failuresBeforePassing++;
      }
      if (ok) {
        successes++;
        failures = 0;
        if (successes >= successThreshold) {
          passing = true;
        }
      } else {
        failures++;
        successes = 0;
        if (failures >= failureThreshold) {
          passing = false;
          thresholdReached = true;
        }
      }
    }

    synchronized boolean passing() {
      return passing;
    }

    synchronized boolean thresholdReached() {
      return thresholdReached;
    }

    synchronized int runs() {
      return runs;
    }

    synchronized int failuresBeforePassing() {
      return failuresBeforePassing;
    }
  }

  /** The docker command line. */
  static final class Docker {
    private Docker() {}

    static String run(List<String> args) {
      List<String> command = new ArrayList<>();
      command.add("docker");
      command.addAll(args);
      try {
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        process.getOutputStream().close();
        var stderr = new java.io.ByteArrayOutputStream();
        Thread errors = new Thread(() -> {
          try {
            process.getErrorStream().transferTo(stderr);
          } catch (IOException ignored) {
            // the process ended
          }
        });
        errors.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        errors.join();
        if (exit != 0) {
          throw new IllegalStateException("docker " + String.join(" ", args) + " failed (" + exit + "): "
              + stderr.toString(StandardCharsets.UTF_8).strip());
        }
        return out;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    static void runQuietly(List<String> args) {
      try {
        run(args);
      } catch (RuntimeException ignored) {
        // clean-up of something that may be gone
      }
    }

    static String logs(String container) {
      return logs(container, "200");
    }

    /** The container's output and errors, the last {@code lines} of them ({@code all}: everything). */
    static String logs(String container, String lines) {
      try {
        List<String> command = List.of("docker", "logs", "--tail", lines, container);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return out;
      } catch (IOException e) {
        return "(no logs: " + e.getMessage() + ")";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "(interrupted)";
      }
    }

    static boolean available() {
      try {
        run(List.of("version", "--format", "{{.Server.Version}}"));
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }

    static boolean imageExists(String image) {
      try {
        run(List.of("image", "inspect", image));
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    }
  }
}

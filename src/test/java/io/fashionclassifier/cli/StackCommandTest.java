package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * `stack` as users run it, in its own JVM: it serves a real broker and registry, and SIGTERM (what Ctrl-C and
 * `kill` send) stops everything it started, leaving no process and no listening port behind.
 */
class StackCommandTest {

  private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap servers: +(\\S+):(\\d+)");
  private static final Pattern REGISTRY = Pattern.compile("schema registry: +(http://\\S+)");

  @Test
  void servesBrokerAndRegistryAndLeavesNothingBehindOnSigterm() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "-D" + "fashion.apicurio.dir=" + System.getProperty("fashion.apicurio.dir"),
        "-D" + "fashion.registry.java.home=" + System.getProperty("fashion.registry.java.home"),
        Main.class.getName(), "stack").redirectErrorStream(true);
    Process stack = builder.start();
    List<ProcessHandle> started = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(stack.getInputStream(), StandardCharsets.UTF_8))) {
      String host = null;
      int port = -1;
      URI registry = null;
      StringBuilder seen = new StringBuilder();
      for (String line = out.readLine(); line != null && !line.contains("running; Ctrl-C"); line = out.readLine()) {
        seen.append(line).append('\n');
        Matcher b = BOOTSTRAP.matcher(line);
        if (b.find()) {
          host = b.group(1);
          port = Integer.parseInt(b.group(2));
        }
        Matcher r = REGISTRY.matcher(line);
        if (r.find()) {
          registry = URI.create(r.group(1));
        }
      }
      assertThat(port).as(seen.toString()).isPositive();
      assertThat(registry).as(seen.toString()).isNotNull();

      try (Admin admin = Admin.create(Map.of("bootstrap.servers", host + ":" + port))) {
        assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
      }
      assertThat(listening(registry.getHost(), registry.getPort())).isTrue();
      stack.descendants().forEach(started::add);
      assertThat(started).as("the broker and the registry run in child processes").isNotEmpty();

      stack.destroy(); // SIGTERM
      assertThat(stack.waitFor(60, TimeUnit.SECONDS)).as("stack exits after SIGTERM").isTrue();

      for (ProcessHandle child : started) {
        child.onExit().get(30, TimeUnit.SECONDS);
        assertThat(child.isAlive()).as("child process " + child.pid()).isFalse();
      }
      assertThat(listening(host, port)).as("broker port").isFalse();
      assertThat(listening(registry.getHost(), registry.getPort())).as("registry port").isFalse();
    } finally {
      stack.destroyForcibly();
      started.forEach(ProcessHandle::destroyForcibly);
    }
  }

  private static boolean listening(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 1000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}

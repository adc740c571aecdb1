package io.fashionclassifier.cli;

import io.fashionclassifier.streaming.ClassifierConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the cluster is, shared by the commands that talk to it (stream, scan, watch): the same settings, file format and
 * environment variables as {@code stream}, so one config file serves them all.
 */
final class ClusterOptions {

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "Properties file: Kafka client, Streams, schema registry and fashion.* settings.")
  Path configFile;

  @Option(names = {"-b", "--bootstrap-servers"}, paramLabel = "HOST:PORT,...",
      description = "Kafka bootstrap servers (env ${bundle:bootstrap.servers.env}; default "
          + "${bundle:bootstrap.servers}).")
  String bootstrapServers;

  @Option(names = {"-r", "--schema-registry-url"}, paramLabel = "URL",
      description = "Schema Registry URL, or mock://SCOPE for the in-process one (env "
          + "${bundle:schema.registry.url.env}; default ${bundle:schema.registry.url}).")
  String registryUrl;

  @Option(names = {"-D", "--property"}, paramLabel = "KEY=VALUE",
      description = "Any Kafka client or serde property, e.g. -D security.protocol=SASL_SSL (repeatable).")
  Map<String, String> properties = new LinkedHashMap<>();

  /** The settings: defaults, then --config, then the environment, then the options given here. */
  ClassifierConfig load(Map<String, String> extra) {
    if (configFile != null && !Files.isReadable(configFile)) {
      throw new UserError("config file " + configFile + " does not exist or cannot be read: check --config");
    }
    Map<String, String> overrides = new LinkedHashMap<>(properties);
    if (bootstrapServers != null) {
      overrides.put("bootstrap.servers", bootstrapServers);
    }
    if (registryUrl != null) {
      overrides.put(ClassifierConfig.SCHEMA_REGISTRY_URL, registryUrl);
    }
    overrides.putAll(extra);
    try {
      return ClassifierConfig.load(configFile, System.getenv(), overrides);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage() + "; fix the setting in --config, the environment or the options", e);
    }
  }
}

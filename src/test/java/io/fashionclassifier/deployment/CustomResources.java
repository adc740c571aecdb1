package io.fashionclassifier.deployment;

import java.util.List;
import java.util.Map;

/**
 * The custom resources the chart can render, as strict records (fields of the Prometheus Operator's
 * {@code monitoring.coreos.com/v1} ServiceMonitor and KEDA's {@code keda.sh/v1alpha1} ScaledObject that the chart
 * uses): an unknown or misspelt field fails parsing.
 */
final class CustomResources {

  private CustomResources() {}

  record Metadata(String name, Map<String, String> labels) {}

  record LabelSelector(Map<String, String> matchLabels) {}

  record ServiceMonitor(String apiVersion, String kind, Metadata metadata, ServiceMonitorSpec spec) {}

  record ServiceMonitorSpec(LabelSelector selector, List<Endpoint> endpoints) {}

  record Endpoint(String port, String path, String interval) {}

  record ScaledObject(String apiVersion, String kind, Metadata metadata, ScaledObjectSpec spec) {}

  record ScaledObjectSpec(ScaleTarget scaleTargetRef, int minReplicaCount, int maxReplicaCount,
      int pollingInterval, int cooldownPeriod, List<Trigger> triggers) {}

  record ScaleTarget(String apiVersion, String kind, String name) {}

  record Trigger(String type, Map<String, String> metadata, AuthenticationRef authenticationRef) {}

  record AuthenticationRef(String name) {}
}

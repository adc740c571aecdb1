package io.fashionclassifier.deployment;

import java.util.List;
import java.util.Map;

/**
 * The custom resources the chart can render, as strict records (fields of the Prometheus Operator's
 * {@code monitoring.coreos.com/v1} ServiceMonitor and PrometheusRule, KEDA's {@code keda.sh/v1alpha1} ScaledObject
 * and Strimzi's {@code kafka.strimzi.io/v1beta2} KafkaTopic and KafkaUser that the chart uses): an unknown or
 * misspelt field fails parsing.
 */
final class CustomResources {

  private CustomResources() {}

  record Metadata(String name, Map<String, String> labels, Map<String, String> annotations) {}

  record LabelSelector(Map<String, String> matchLabels) {}

  record ServiceMonitor(String apiVersion, String kind, Metadata metadata, ServiceMonitorSpec spec) {}

  record ServiceMonitorSpec(LabelSelector selector, List<Endpoint> endpoints) {}

  record Endpoint(String port, String path, String interval) {}

  record ScaledObject(String apiVersion, String kind, Metadata metadata, ScaledObjectSpec spec) {}

  record ScaledObjectSpec(ScaleTarget scaleTargetRef, int minReplicaCount, int maxReplicaCount,
      int pollingInterval, int cooldownPeriod, Advanced advanced, List<Trigger> triggers) {}

  record Advanced(HpaConfig horizontalPodAutoscalerConfig) {}

  record HpaConfig(Behavior behavior) {}

  /** autoscaling/v2 HorizontalPodAutoscalerBehavior. */
  record Behavior(ScalingRules scaleUp, ScalingRules scaleDown) {}

  record ScalingRules(Integer stabilizationWindowSeconds, String selectPolicy, List<ScalingPolicy> policies) {}

  record ScalingPolicy(String type, int value, int periodSeconds) {}

  record ScaleTarget(String apiVersion, String kind, String name) {}

  record Trigger(String type, Map<String, String> metadata, AuthenticationRef authenticationRef) {}

  record AuthenticationRef(String name) {}

  record PrometheusRule(String apiVersion, String kind, Metadata metadata, PrometheusRuleSpec spec) {}

  record PrometheusRuleSpec(List<RuleGroup> groups) {}

  record RuleGroup(String name, List<Rule> rules) {}

  record Rule(String alert, String expr, @com.fasterxml.jackson.annotation.JsonProperty("for") String pending,
      Map<String, String> labels, Map<String, String> annotations) {}

  record KafkaTopic(String apiVersion, String kind, Metadata metadata, KafkaTopicSpec spec) {}

  record KafkaTopicSpec(String topicName, int partitions, int replicas, Map<String, Object> config) {}

  record KafkaUser(String apiVersion, String kind, Metadata metadata, KafkaUserSpec spec) {}

  record KafkaUserSpec(Authentication authentication, Authorization authorization) {}

  record Authentication(String type) {}

  record Authorization(String type, List<Acl> acls) {}

  record Acl(AclResource resource, List<String> operations, String host) {}

  record AclResource(String type, String name, String patternType) {}
}

{{/* Names and labels, after Helm's own chart scaffold and Bitnami's conventions. */}}
{{- define "fashion-classifier.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fashion-classifier.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "fashion-classifier.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fashion-classifier.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "fashion-classifier.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "fashion-classifier.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: stream-classifier
{{- end }}

{{- define "fashion-classifier.applicationId" -}}
{{- default (include "fashion-classifier.fullname" .) .Values.kafka.applicationId }}
{{- end }}

{{- define "fashion-classifier.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "fashion-classifier.modelImage" -}}
{{- if .Values.model.image.digest }}
{{- printf "%s@%s" .Values.model.image.repository .Values.model.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.model.image.repository .Values.model.image.tag }}
{{- end }}
{{- end }}

{{/* The model claim is read-only unless the rollout Job moves its pointers and waits for the pods' reports. */}}
{{- define "fashion-classifier.modelClaimReadOnly" -}}
{{- if not .Values.modelRollout.enabled }}true{{ end }}
{{- end }}

{{/* Paths inside the container; the image declares the same (pom.xml, Jib). */}}
{{/* The state volume is mounted one level above Kafka Streams' state.dir: Kafka Streams chmods its directory,
     which it can only do when it created it (a volume's root belongs to root:fsGroup) */}}
{{- define "fashion-classifier.stateVolumeDir" -}}/var/lib/fashion-classifier{{- end }}
{{- define "fashion-classifier.stateDir" -}}/var/lib/fashion-classifier/state{{- end }}
{{- define "fashion-classifier.modelDir" -}}/models{{- end }}
{{- define "fashion-classifier.tlsDir" -}}/etc/fashion-classifier/kafka-tls{{- end }}
{{- define "fashion-classifier.keystoreDir" -}}/etc/fashion-classifier/kafka-keystore{{- end }}
{{- define "fashion-classifier.registryTlsDir" -}}/etc/fashion-classifier/registry-tls{{- end }}

{{- define "fashion-classifier.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fashion-classifier.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "fashion-classifier.saslEnabled" -}}
{{- if hasPrefix "SASL_" .Values.kafka.securityProtocol }}true{{ end }}
{{- end }}

{{/* Values that cannot work together fail the install with a message saying what to set. */}}
{{- define "fashion-classifier.validate" -}}
{{- if not .Values.kafka.bootstrapServers }}
{{- fail "kafka.bootstrapServers is required: set it to the brokers' host:port list" }}
{{- end }}
{{- if not .Values.schemaRegistry.url }}
{{- fail "schemaRegistry.url is required: set it to the Confluent-compatible registry URL" }}
{{- end }}
{{- if and (not .Values.model.image.repository) (not .Values.model.existingClaim) }}
{{- fail "no model: set model.image.repository (a model image copied by an init container) or model.existingClaim" }}
{{- end }}
{{- if and .Values.model.image.repository .Values.model.existingClaim }}
{{- fail "model.image.repository and model.existingClaim are both set: choose one source for the model" }}
{{- end }}
{{- if and .Values.model.image.repository (not .Values.model.image.tag) (not .Values.model.image.digest) }}
{{- fail "model.image.tag or model.image.digest is required: pin the model image you validated" }}
{{- end }}
{{- if .Values.modelRollout.enabled }}
{{- if not .Values.model.existingClaim }}
{{- fail "modelRollout.enabled needs model.existingClaim: a model repository on a ReadWriteMany volume that the Job and the pods share" }}
{{- end }}
{{- if and (has .Values.modelRollout.action (list "activate" "shadow")) (not .Values.modelRollout.bundle) }}
{{- fail (printf "modelRollout.bundle is required with modelRollout.action=%s: the bundle's directory name in the repository" .Values.modelRollout.action) }}
{{- end }}
{{- end }}
{{- if include "fashion-classifier.saslEnabled" . }}
{{- if not .Values.kafka.sasl.mechanism }}
{{- fail (printf "kafka.sasl.mechanism is required with kafka.securityProtocol=%s" .Values.kafka.securityProtocol) }}
{{- end }}
{{- if not .Values.kafka.sasl.jaasConfigSecret.name }}
{{- fail (printf "kafka.sasl.jaasConfigSecret.name is required with kafka.securityProtocol=%s: credentials come only from an existing Secret" .Values.kafka.securityProtocol) }}
{{- end }}
{{- end }}
{{- if and .Values.schemaRegistry.userInfoSecret.name .Values.schemaRegistry.bearerTokenSecret.name }}
{{- fail "schemaRegistry.userInfoSecret and schemaRegistry.bearerTokenSecret are both set: the registry takes one kind of credentials" }}
{{- end }}
{{- range .Values.extraEnvVars }}
{{- if eq .name "JAVA_TOOL_OPTIONS" }}
{{- fail "extraEnvVars sets JAVA_TOOL_OPTIONS, which would replace the heap and OutOfMemoryError settings: put the options in javaOptions" }}
{{- end }}
{{- end }}
{{- if and .Values.kafka.tls.keystoreSecret.name (not (has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL"))) }}
{{- fail (printf "kafka.tls.keystoreSecret is set but kafka.securityProtocol is %s: a client certificate needs SSL (or SASL_SSL)" .Values.kafka.securityProtocol) }}
{{- end }}
{{- if and .Values.strimzi.user.enabled (not .Values.strimzi.cluster) }}
{{- fail "strimzi.cluster is required with strimzi.user.enabled: the name of the Strimzi Kafka resource" }}
{{- end }}
{{- if and .Values.strimzi.topics.enabled (not .Values.strimzi.cluster) }}
{{- fail "strimzi.cluster is required with strimzi.topics.enabled: the name of the Strimzi Kafka resource" }}
{{- end }}
{{- if and .Values.strimzi.topics.enabled .Values.topics.create }}
{{- fail "strimzi.topics.enabled with topics.create: the topic operator owns the topics, set topics.create: false" }}
{{- end }}
{{- if le (int .Values.terminationGracePeriodSeconds) (div (int .Values.classifier.shutdownTimeoutMs) 1000) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed classifier.shutdownTimeoutMs (%d ms), or the pod is killed before it has committed" (int .Values.terminationGracePeriodSeconds) (int .Values.classifier.shutdownTimeoutMs)) }}
{{- end }}
{{- if .Values.autoscaling.keda.enabled }}
{{- if lt (int .Values.autoscaling.keda.maxReplicaCount) 1 }}
{{- fail "autoscaling.keda.maxReplicaCount is required with KEDA: set it to at most topics.partitions" }}
{{- end }}
{{- if gt (int .Values.autoscaling.keda.maxReplicaCount) (int .Values.topics.partitions) }}
{{- fail (printf "autoscaling.keda.maxReplicaCount (%d) exceeds topics.partitions (%d): pods beyond the partition count get no work" (int .Values.autoscaling.keda.maxReplicaCount) (int .Values.topics.partitions)) }}
{{- end }}
{{- if gt (int .Values.autoscaling.keda.minReplicaCount) (int .Values.autoscaling.keda.maxReplicaCount) }}
{{- fail "autoscaling.keda.minReplicaCount exceeds autoscaling.keda.maxReplicaCount" }}
{{- end }}
{{- if and (ne .Values.kafka.securityProtocol "PLAINTEXT") (not .Values.autoscaling.keda.authenticationRef) }}
{{- fail (printf "autoscaling.keda.authenticationRef is required with kafka.securityProtocol=%s: KEDA reads the lag with its own credentials (a TriggerAuthentication)" .Values.kafka.securityProtocol) }}
{{- end }}
{{- end }}
{{- end }}

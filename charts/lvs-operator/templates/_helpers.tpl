{{/* The chart's name in names and labels: nameOverride, else the chart's. */}}
{{- define "lvs-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Prefix of every object's name: fullnameOverride, else <release>-<name>, or the release name when
it already says so; at most 42 characters, so that the longest suffix (-test-director-status,
21) keeps every name within Kubernetes' 63.
*/}}
{{- define "lvs-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 42 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "lvs-operator.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 42 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 42 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "lvs-operator.labels" -}}
app.kubernetes.io/name: {{ include "lvs-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one role: include with (dict "root" $ "role" "director"). */}}
{{- define "lvs-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lvs-operator.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "lvs-operator.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Environment every role gets: its node, pod and namespace from the downward API. */}}
{{- define "lvs-operator.env" -}}
- name: NODE_NAME
  valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
- name: POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: POD_NAMESPACE
  valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- if .Values.watchNamespace }}
- name: LVS_WATCH_NAMESPACE
  value: {{ .Values.watchNamespace | quote }}
{{- end }}
{{- end -}}

{{- /*
The metrics listener of a host-network role: the node's own address (status.hostIP) unless
metrics.bindAddress names one, so /metrics and the probes do not answer on the VIPs. The
kubelet probes a host-network pod at its pod IP, which is the node's address, as does a
PodMonitor or ServiceMonitor.
*/ -}}
{{- define "lvs-operator.hostMetricsEnv" -}}
{{- $addr := .root.Values.metrics.bindAddress -}}
{{- if eq $addr "hostIP" }}
- name: LVS_NODE_IP
  valueFrom: { fieldRef: { fieldPath: status.hostIP } }
- name: LVS_METRICS_ADDRESS
  value: "[$(LVS_NODE_IP)]:{{ .port }}"
{{- else }}
- name: LVS_METRICS_ADDRESS
  value: "[{{ $addr }}]:{{ .port }}"
{{- end }}
{{- end -}}

{{- /* Namespaces whose Secrets the director reads through Roles; empty: a ClusterRole rule. */ -}}
{{- define "lvs-operator.secretNamespaces" -}}
{{- if .Values.rbac.secretNamespaces }}{{ join "," .Values.rbac.secretNamespaces }}{{ else }}{{ .Values.watchNamespace }}{{ end -}}
{{- end -}}

{{/*
The cluster administrator's VIP ranges as node-role arguments (docs/security.md).
*/}}
{{- define "lvs-operator.vipArgs" -}}
{{- range .Values.vips.allowed }}
- {{ printf "--allow-vip=%s" . | quote }}
{{- end }}
{{- range .Values.vips.denied }}
- {{ printf "--deny-vip=%s" . | quote }}
{{- end }}
{{- end }}

{{/* A role's ServiceAccount: serviceAccount.name, else <fullname>-<role>. (dict "root" $ "role" "director") */}}
{{- define "lvs-operator.serviceAccountName" -}}
{{- $sa := (index .root.Values .role).serviceAccount -}}
{{- if $sa.name -}}
{{- $sa.name -}}
{{- else -}}
{{- include "lvs-operator.fullname" .root }}-{{ .role -}}
{{- end -}}
{{- end -}}

{{/* A role's pod template metadata: selector labels, podLabels, podAnnotations. (dict "root" $ "role" "director") */}}
{{- define "lvs-operator.podMetadata" -}}
{{- $v := index .root.Values .role -}}
labels:
  {{- include "lvs-operator.selectorLabels" . | nindent 2 }}
  {{- with $v.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with $v.podAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Where a role's pods run and how they are ranked: pod spec fields. (dict "root" $ "role" "director") */}}
{{- define "lvs-operator.podPlacement" -}}
{{- $v := index .root.Values .role -}}
{{- with $v.priorityClassName }}
priorityClassName: {{ . | quote }}
{{- end }}
{{- with $v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- /*
URL of the director's status endpoint as seen from a host-network pod on the same node: the
node's address through $(LVS_NODE_IP) (the container defines it, see hostMetricsEnv), loopback
when the listener takes every address, else the bindAddress literal.
*/ -}}
{{- define "lvs-operator.directorStatusUrl" -}}
{{- $addr := .Values.metrics.bindAddress -}}
{{- $port := .Values.director.metricsPort -}}
{{- if eq $addr "hostIP" -}}
http://$(LVS_NODE_IP):{{ $port }}
{{- else if eq $addr "0.0.0.0" -}}
http://127.0.0.1:{{ $port }}
{{- else if eq $addr "::" -}}
http://[::1]:{{ $port }}
{{- else if contains ":" $addr -}}
http://[{{ $addr }}]:{{ $port }}
{{- else -}}
http://{{ $addr }}:{{ $port }}
{{- end -}}
{{- end -}}

{{/* A DaemonSet's updateStrategy; rollingUpdate (merged in from the defaults) only with its type. */}}
{{- define "lvs-operator.updateStrategy" -}}
type: {{ .type }}
{{- if and (eq .type "RollingUpdate") .rollingUpdate }}
rollingUpdate:
  {{- toYaml .rollingUpdate | nindent 2 }}
{{- end }}
{{- end -}}

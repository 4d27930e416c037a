{{/* Name of the release's objects: <release>-lvs-operator, or the release name when it already says so. */}}
{{- define "lvs-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lvs-operator.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one role: include with (dict "root" $ "role" "director"). */}}
{{- define "lvs-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
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

{{/* Name of every object of a release: the release name, as the seed chart had it. */}}
{{- define "examiner.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "examiner.selectorLabels" -}}
app.kubernetes.io/name: {{ include "examiner.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "examiner.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "examiner.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Provider written into the Canary for the chosen router. */}}
{{- define "examiner.canaryProvider" -}}
{{- $router := .Values.canary.router -}}
{{- if eq $router "gatewayapi" -}}
gatewayapi:v1
{{- else if eq $router "smi" -}}
linkerd
{{- else if eq $router "istio" -}}
istio
{{- else -}}
{{- fail (printf "canary.router must be gatewayapi, smi or istio, not %q" $router) -}}
{{- end -}}
{{- end }}

{{- define "examiner.loadtesterURL" -}}
http://flagger-loadtester.{{ .Release.Namespace }}
{{- end }}

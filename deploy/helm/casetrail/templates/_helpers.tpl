{{/* Names and labels shared by every object of the release. */}}
{{- define "casetrail.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "casetrail.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* A role's selector: name, instance and component (api, projector, relay, ...). */}}
{{- define "casetrail.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "casetrail.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "casetrail.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "casetrail.fullname" .)) -}}
{{- end -}}

{{/* Settings reach every role the same way: the ConfigMap, then the Secret. */}}
{{- define "casetrail.envFrom" -}}
- configMapRef:
    name: {{ include "casetrail.fullname" . }}-settings
- secretRef:
    name: {{ include "casetrail.secretName" . }}
{{- end -}}

{{/* The pod-level parts every role shares. */}}
{{- define "casetrail.podCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The root filesystem is read-only: casetrail's data directory and /tmp are scratch. */}}
{{- define "casetrail.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "casetrail.volumeMounts" -}}
- name: data
  mountPath: /var/lib/casetrail
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/*
Names, labels and the checks that fail rendering. Every namespaced object
sets metadata.namespace to the release namespace (the Role for the
aws-auth ConfigMap lives in kube-system).
*/}}

{{- define "trustbridge.fullname" -}}
{{- if contains "trustbridge" .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-trustbridge" .Release.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "trustbridge.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "trustbridge.labels" -}}
app.kubernetes.io/name: trustbridge
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "trustbridge.selector" -}}
app.kubernetes.io/name: trustbridge
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* "true" when the webhooks run in the server's pod (sqlite: one pod owns the store). */}}
{{- define "trustbridge.webhookInServer" -}}
{{- if and .Values.webhook.enabled (eq .Values.store.type "sqlite") -}}true{{- end -}}
{{- end -}}

{{- define "trustbridge.tlsSecret" -}}
{{- if .Values.webhook.certManager.enabled -}}{{ include "trustbridge.fullname" . }}-webhook-tls{{- else -}}{{ .Values.webhook.tls.existingSecret }}{{- end -}}
{{- end -}}

{{/* The Secret holding the server key ring, or "" (sqlite keeps it in the data volume). */}}
{{- define "trustbridge.serverKeySecret" -}}
{{- if .Values.serverKey.existingSecret -}}{{ .Values.serverKey.existingSecret }}{{- else if .Values.serverKey.ring -}}{{ include "trustbridge.fullname" . }}-server-key{{- end -}}
{{- end -}}

{{/* Checks that fail rendering with a clear message. */}}
{{- define "trustbridge.validate" -}}
{{- if and (gt (int .Values.server.replicas) 1) (ne .Values.store.type "postgres") -}}
{{- fail "server.replicas > 1 needs store.type=postgres: the embedded SQLite store lives on one pod's volume" -}}
{{- end -}}
{{- if and .Values.serverKey.existingSecret .Values.serverKey.ring -}}
{{- fail "set one of serverKey.existingSecret and serverKey.ring, not both" -}}
{{- end -}}
{{- if eq .Values.store.type "postgres" -}}
{{- if not .Values.store.postgres.existingSecret -}}{{- fail "store.type=postgres needs store.postgres.existingSecret (a Secret with the postgres://... DSN under store.postgres.dsnKey)" -}}{{- end -}}
{{- if not (include "trustbridge.serverKeySecret" .) -}}{{- fail "store.type=postgres needs serverKey.existingSecret or serverKey.ring: every replica must share one server key (trustbridge key generate --out FILE)" -}}{{- end -}}
{{- end -}}
{{- if and (or .Values.webhook.enabled .Values.agent.enabled) (not .Values.clusterName) -}}
{{- fail "clusterName is required with webhook.enabled or agent.enabled" -}}
{{- end -}}
{{- if .Values.webhook.enabled -}}
{{- if and .Values.webhook.certManager.enabled .Values.webhook.tls.existingSecret -}}
{{- fail "set one of webhook.certManager.enabled and webhook.tls.existingSecret, not both" -}}
{{- end -}}
{{- if and .Values.webhook.certManager.enabled (not .Values.webhook.certManager.issuerRef.name) -}}
{{- fail "webhook.certManager.enabled needs webhook.certManager.issuerRef (name, kind)" -}}
{{- end -}}
{{- if and (not .Values.webhook.certManager.enabled) (not .Values.webhook.tls.existingSecret) -}}
{{- fail "webhook.enabled needs webhook.tls.existingSecret (with webhook.tls.caBundle) or webhook.certManager.enabled" -}}
{{- end -}}
{{- if and .Values.webhook.tls.existingSecret (not .Values.webhook.tls.caBundle) -}}
{{- fail "webhook.tls.existingSecret needs webhook.tls.caBundle: base64 of the PEM CA that signed the webhook certificate" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Store and key flags shared by serve and webhook. */}}
{{- define "trustbridge.storeArgs" -}}
{{- if ne .Values.store.type "postgres" }}
- --data-dir=/var/lib/trustbridge
{{- end }}
{{- if include "trustbridge.serverKeySecret" . }}
- --server-key-file=/etc/trustbridge/key/{{ .Values.serverKey.key }}
{{- end }}
{{- end -}}

{{/* The DSN reaches the process as TRUSTBRIDGE_STORE, never as an argument. */}}
{{- define "trustbridge.storeEnv" -}}
{{- if eq .Values.store.type "postgres" -}}
env:
  - name: TRUSTBRIDGE_STORE
    valueFrom:
      secretKeyRef: {name: {{ .Values.store.postgres.existingSecret }}, key: {{ .Values.store.postgres.dsnKey }}}
{{- end -}}
{{- end -}}

{{- define "trustbridge.webhookArgs" -}}
- --cluster={{ .Values.clusterName }}
{{- if .Values.webhook.injectEndpoint }}
- --inject-endpoint={{ .Values.webhook.injectEndpoint }}
{{- end }}
- --pod-identity-credentials-uri={{ .Values.webhook.podIdentityCredentialsURI }}
{{- end -}}

{{- define "trustbridge.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{- define "trustbridge.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
{{- end -}}

#!/usr/bin/env bash
# Creates Linkerd's trust anchor and identity issuer for this cluster and prints them as Kubernetes objects:
# the Namespace linkerd, the ConfigMap linkerd-identity-trust-roots (the anchor's certificate) and the Secret
# linkerd-identity-issuer (type kubernetes.io/tls: issuer certificate and key, plus the anchor as ca.crt).
# The anchor's private key is thrown away, so nothing here can sign another issuer; run the script again
# (and restart the control plane) for new credentials.
#
#   manifests/scripts/linkerd-identity.sh | kubectl apply -f -
#
# Options: --days-anchor N (default 3650), --days-issuer N (default 365), --trust-domain D (cluster.local).
# Needs openssl and base64. Never commit the output.
set -euo pipefail

days_anchor=3650
days_issuer=365
domain=cluster.local
while [ $# -gt 0 ]; do
  case "$1" in
    --days-anchor) days_anchor=${2:?}; shift 2 ;;
    --days-issuer) days_issuer=${2:?}; shift 2 ;;
    --trust-domain) domain=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "linkerd-identity.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for n in "$days_anchor" "$days_issuer"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "linkerd-identity.sh: days must be a positive integer, not '$n'" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "linkerd-identity.sh: openssl is not installed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Linkerd requires ECDSA P-256 certificates; the issuer must be a CA that may sign only leaf certificates.
cat > anchor.ext <<EXT
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EXT
cat > issuer.ext <<EXT
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EXT

openssl ecparam -name prime256v1 -genkey -noout -out anchor.key 2>/dev/null
openssl req -new -x509 -key anchor.key -out anchor.crt -days "$days_anchor" -sha256 \
  -subj "/CN=root.linkerd.$domain" -extensions v3 -config <(printf '[req]\ndistinguished_name=dn\n[dn]\n[v3]\n'; cat anchor.ext) 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out issuer.key 2>/dev/null
openssl req -new -key issuer.key -out issuer.csr -subj "/CN=identity.linkerd.$domain" 2>/dev/null
openssl x509 -req -in issuer.csr -CA anchor.crt -CAkey anchor.key -CAcreateserial -out issuer.crt \
  -days "$days_issuer" -sha256 -extfile issuer.ext 2>/dev/null

b64() { base64 < "$1" | tr -d '\n'; }

cat <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: linkerd
  annotations:
    linkerd.io/inject: disabled
  labels:
    linkerd.io/is-control-plane: "true"
    config.linkerd.io/admission-webhooks: disabled
    linkerd.io/control-plane-ns: linkerd
    pod-security.kubernetes.io/enforce: privileged
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: linkerd-identity-trust-roots
  namespace: linkerd
data:
  ca-bundle.crt: |
$(sed 's/^/    /' anchor.crt)
---
apiVersion: v1
kind: Secret
metadata:
  name: linkerd-identity-issuer
  namespace: linkerd
type: kubernetes.io/tls
data:
  ca.crt: $(b64 anchor.crt)
  tls.crt: $(b64 issuer.crt)
  tls.key: $(b64 issuer.key)
YAML

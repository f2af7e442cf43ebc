#!/usr/bin/env bash
# Deploy checks: `helm lint` the chart and verify that k8s/recsys.yaml is the chart rendered with default values.
# helm is built from its Go module (the Go module proxy is reachable; release binaries are not) and cached.
# With --write, re-renders k8s/recsys.yaml instead of checking it.
set -euo pipefail
cd "$(dirname "$0")/../.."
HELM_VERSION=v3.16.4
helm_bin="$(command -v helm || true)"
if [ -z "$helm_bin" ]; then
  helm_bin="$(go env GOPATH)/bin/helm"
  if [ ! -x "$helm_bin" ]; then
    echo "building helm $HELM_VERSION from its Go module (once)..."
    GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  fi
fi
"$helm_bin" lint helm/recsys
rendered="$("$helm_bin" template recsys helm/recsys)"
if [ "${1:-}" = "--write" ]; then
  printf '%s\n' "$rendered" > k8s/recsys.yaml
  echo "wrote k8s/recsys.yaml"
elif ! diff -u k8s/recsys.yaml <(printf '%s\n' "$rendered"); then
  echo "k8s/recsys.yaml is out of date with helm/recsys: run 'bash tools/deploy/check.sh --write' and commit it" >&2
  exit 1
else
  echo "k8s/recsys.yaml matches the chart"
fi

#!/bin/sh
# Cross-node Multus check, run by the check Job's pod (busybox: sh, wget, grep, sed, ping).
# Finds the responder pod's Multus address on each eni-prefix network in the responder's
# k8s.v1.cni.cncf.io/network-status annotation, read through the Kubernetes API with the pod's
# ServiceAccount token, and pings it from this pod's interface on that network. Planned and
# explained in cross-node-check.ts.
#
# Arguments: NAD=INTERFACE ... (NAD name, this pod's interface on it).
# Environment (set by the Job): POD_NAMESPACE, NODE_NAME, RESPONDER_POD.
# Overrides (tests): MULTUS_CHECK_API (default: the in-cluster API service),
# MULTUS_CHECK_TOKEN_FILE, MULTUS_CHECK_ATTEMPTS (default 40), MULTUS_CHECK_INTERVAL (default 3 s).
set -u

api="${MULTUS_CHECK_API:-https://${KUBERNETES_SERVICE_HOST:-kubernetes.default.svc}:${KUBERNETES_SERVICE_PORT:-443}}"
token_file="${MULTUS_CHECK_TOKEN_FILE:-/var/run/secrets/kubernetes.io/serviceaccount/token}"
attempts="${MULTUS_CHECK_ATTEMPTS:-40}"
interval="${MULTUS_CHECK_INTERVAL:-3}"
url="$api/api/v1/namespaces/$POD_NAMESPACE/pods/$RESPONDER_POD"

if [ "$#" -eq 0 ]; then
  echo "cross-node check: no NAD=INTERFACE argument given" >&2
  exit 2
fi

# busybox wget has no option to trust the cluster's CA (--no-check-certificate: see
# cross-node-check.ts). `timeout` bounds a hung request; wget's own -T crashes some busybox builds.
fetch_responder() {
  timeout 15 wget -q -O - --no-check-certificate \
    --header "Authorization: Bearer $(cat "$token_file")" "$url" 2>&1
}

# The network-status annotation of a pod's JSON, unescaped and without whitespace, one line per
# attachment (each attachment object starts with its "name").
network_status() {
  printf '%s' "$1" |
    grep -oE '"k8s\.v1\.cni\.cncf\.io/network-status":"([^"\\]|\\.)*"' |
    sed -e 's/\\[nt]//g' -e 's/\\"/"/g' -e 's/[[:space:]]//g' -e 's/"name":/\n&/g'
}

# First IPv4 address of the attachment named $2 (namespace/NAD) in network-status lines $1.
address_of() {
  printf '%s\n' "$1" | grep -F "\"name\":\"$2\"" | head -n 1 |
    sed -n 's/.*"ips":\["\([0-9.]*\)".*/\1/p'
}

node_of() {
  printf '%s' "$1" | grep -oE '"nodeName":"[^"]*"' | head -n 1 | sed -e 's/^"nodeName":"//' -e 's/"$//'
}

# Fetches until every NAD has an address (the annotation appears once the responder's sandbox is
# up), at most $attempts times. Leaves the annotation in $status, or the reason in $last_error.
status=""
responder_node=""
last_error="no attempt made"
resolved=0
attempt=0
while [ "$attempt" -lt "$attempts" ]; do
  attempt=$((attempt + 1))
  if body=$(fetch_responder); then
    responder_node=$(node_of "$body")
    status=$(network_status "$body")
    missing=""
    for target in "$@"; do
      name="$POD_NAMESPACE/${target%%=*}"
      [ -n "$(address_of "$status" "$name")" ] || missing="$missing $name"
    done
    if [ -z "$missing" ]; then
      resolved=1
      break
    fi
    last_error="its k8s.v1.cni.cncf.io/network-status annotation has no address on:$missing"
  else
    last_error="the API request $url failed: $body"
  fi
  [ "$attempt" -lt "$attempts" ] && sleep "$interval"
done

if [ "$resolved" -ne 1 ]; then
  echo "FAIL cross-node check: could not learn the Multus address(es) of pod $RESPONDER_POD after $attempts attempt(s): $last_error"
  exit 1
fi

if [ -n "$responder_node" ] && [ "$responder_node" = "${NODE_NAME:-}" ]; then
  echo "FAIL cross-node check: $RESPONDER_POD and this pod are both on node $NODE_NAME; the check needs two nodes"
  exit 1
fi

failed=0
for target in "$@"; do
  nad=${target%%=*}
  interface=${target#*=}
  address=$(address_of "$status" "$POD_NAMESPACE/$nad")
  what="$RESPONDER_POD on $nad ($address) from $interface, node ${NODE_NAME:-?} -> node ${responder_node:-?}"
  if ping -c 3 -W 2 -I "$interface" "$address" >/dev/null 2>&1; then
    echo "ok   $what"
  else
    echo "FAIL $what"
    failed=1
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "Multus cross-node check failed: see the FAIL lines above. Check that each node's Multus ENI has its" \
    "/28 prefix, that the Multus subnets' security groups allow ICMP, and, when the nodes are in different AZs," \
    "that the network's routes cover its subnets in the other AZs"
fi
exit "$failed"

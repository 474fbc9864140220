#!/bin/bash
# Run on one node by `npm run verify`, through SSM Run Command (AWS-RunShellScript): may this node
# assume the startup-untaint role with its own instance ID as session name, and not with another?
# That is what the role's trust policy promises (components/nodegroup/startup-taint.ts) and what
# the admission policy relies on. Prints two lines for verify to read:
#   multus-verify own=<assumed|refused|error: ...>
#   multus-verify other=<assumed|refused|error: ...>
# The credentials of an assumed session are discarded; nothing on the node changes.
#
# verify prepends MULTUS_VERIFY_ROLE_ARN and MULTUS_VERIFY_REGION. MULTUS_VERIFY_IMDS exists so
# tests can run this file.
set -o nounset -o pipefail

: "${MULTUS_VERIFY_ROLE_ARN:?set by verify}"
: "${MULTUS_VERIFY_REGION:?set by verify}"
imds="${MULTUS_VERIFY_IMDS:-http://169.254.169.254}"

token="$(curl -sS -X PUT "$imds/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')" || {
  echo "multus-verify own=error: IMDS token refused"
  exit 1
}
own="$(curl -sS -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/instance-id")" || {
  echo "multus-verify own=error: no instance ID from IMDS"
  exit 1
}
# An instance ID that is not this node's: what a compromised node would try.
other="i-00000000000000000"
[[ "$own" == "$other" ]] && other="i-11111111111111111"

errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT

probe() {
  if aws sts assume-role --region "$MULTUS_VERIFY_REGION" --role-arn "$MULTUS_VERIFY_ROLE_ARN" \
    --role-session-name "$1" --query Credentials.Expiration --output text >/dev/null 2>"$errors"; then
    echo assumed
  elif grep -q 'AccessDenied' "$errors"; then
    echo refused
  else
    echo "error: $(tail -n 1 "$errors")"
  fi
}

echo "multus-verify own=$(probe "$own")"
echo "multus-verify other=$(probe "$other")"

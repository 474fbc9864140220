#!/bin/bash
# Node user data, second part: fetches the Multus node files (one .tar.gz object the stack
# uploads to its own S3 bucket, readable only by the node role), checks it against the digest
# baked into this user data, extracts it over / and activates it. It runs in cloud-init's final
# stage, before nodeadm's run phase starts kubelet.
#
# On any failure the node must not join half-configured: kubelet and nodeadm's run phase are
# masked (persistently, so a reboot does not join either), the reason goes to the console and
# the cloud-init log, and the script fails. Replace the node once the cause is fixed.
#
# The stack prepends the MULTUS_NODE_FILES_* assignments. MULTUS_INSTALL_ROOT and
# MULTUS_SYSTEMCTL_CMD exist so tests can run this file.
set -o nounset -o pipefail

: "${MULTUS_NODE_FILES_BUCKET:?set by the stack}"
: "${MULTUS_NODE_FILES_KEY:?set by the stack}"
: "${MULTUS_NODE_FILES_SHA256:?set by the stack}"
: "${MULTUS_NODE_FILES_REGION:?set by the stack}"
root="${MULTUS_INSTALL_ROOT:-}"
attempts="${MULTUS_NODE_FILES_ATTEMPTS:-8}"
read -r -a systemctl_cmd <<<"${MULTUS_SYSTEMCTL_CMD:-systemctl}"

fail() {
  local message="multus node files: $* -- this node will NOT join the cluster (kubelet masked)"
  echo "$message" >&2
  # The serial console shows up in the EC2 console output (aws ec2 get-console-output).
  if [[ -z "$root" && -w /dev/console ]]; then echo "$message" >/dev/console; fi
  "${systemctl_cmd[@]}" mask kubelet.service nodeadm-run.service >&2 ||
    echo "multus node files: could not mask kubelet.service" >&2
  exit 1
}

work="$(mktemp -d)" || fail "cannot create a temporary directory"
trap 'rm -rf "$work"' EXIT
bundle="$work/node-files.tar.gz"

# The AWS CLI v2 of the AL2023 AMI retries throttling and network errors itself (standard mode);
# the loop covers a node whose route to S3 or credentials are not there yet.
fetched=0
errors="$work/aws-errors"
for ((attempt = 1; attempt <= attempts; attempt++)); do
  if AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=5 aws s3api get-object \
    --region "$MULTUS_NODE_FILES_REGION" --bucket "$MULTUS_NODE_FILES_BUCKET" \
    --key "$MULTUS_NODE_FILES_KEY" "$bundle" >/dev/null 2>"$errors"; then
    fetched=1
    break
  fi
  echo "multus node files: download attempt $attempt of $attempts failed: $(tail -n 1 "$errors")" >&2
  ((attempt < attempts)) && sleep "$((attempt < 5 ? attempt * 2 : 10))"
done
# The AWS CLI's own words say why (NoSuchKey: deleted; AccessDenied: the node role or the bucket
# policy); the object is what `pulumi up` uploads for this node group.
((fetched)) || fail "could not download s3://$MULTUS_NODE_FILES_BUCKET/$MULTUS_NODE_FILES_KEY" \
  "($(tail -n 1 "$errors")); it is the node files object of this node group: run pulumi up for" \
  "the stack to upload it again, or restore an earlier version (the bucket keeps every version)"

actual="$(sha256sum "$bundle" | cut -d ' ' -f 1)" || fail "cannot compute the digest of the download"
if [[ "$actual" != "$MULTUS_NODE_FILES_SHA256" ]]; then
  fail "s3://$MULTUS_NODE_FILES_BUCKET/$MULTUS_NODE_FILES_KEY has sha256 $actual, expected $MULTUS_NODE_FILES_SHA256"
fi

# Files only (no directory entries), owned by root, modes as archived (0755 or 0644).
tar --extract --gzip --file "$bundle" --directory "$root/" --no-same-owner --no-overwrite-dir ||
  fail "cannot extract the node files"

MULTUS_INSTALL_ROOT="$root" "$root/usr/local/sbin/multus-node-activate" ||
  fail "multus-node-activate failed"
echo "multus node files: installed s3://$MULTUS_NODE_FILES_BUCKET/$MULTUS_NODE_FILES_KEY (sha256 $actual)" >&2

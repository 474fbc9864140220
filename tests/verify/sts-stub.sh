#!/bin/bash
# A node's `aws` for the verify probe in tests: answers `sts assume-role` as STS would for the
# decision the test computed from the role's real trust policy (MULTUS_TEST_STS_DECISIONS holds
# "<session name>=allow" lines), with the AWS CLI's own error line when refused.
set -o nounset
session="" role=""
while (($#)); do
  case "$1" in
    --role-session-name) session="$2"; shift ;;
    --role-arn) role="$2"; shift ;;
  esac
  shift
done
if grep -qx "$session=allow" <<<"${MULTUS_TEST_STS_DECISIONS:-}"; then
  echo "2026-12-04T06:00:00+00:00"
  exit 0
fi
echo "An error occurred (AccessDenied) when calling the AssumeRole operation: User: ${MULTUS_TEST_CALLER:-node} is not authorized to perform: sts:AssumeRole on resource: $role" >&2
exit 254

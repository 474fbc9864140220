/**
 * The node-side half of the interface naming scheme (see describeInterfaceNaming in userdata.ts).
 *
 * Why a script at all: on the EKS AL2023 AMI, nodeadm's udev broker hands an ENI attached after
 * boot to "the CNI" and gives it no systemd-networkd config, so a `no_manage` ENI attached later by
 * the ENI-attach Lambda stays DOWN under a PCI-slot name (ens6, enp39s0, ...). The ipvlan plugin
 * never brings its master up, and a NetworkAttachmentDefinition needs a stable `master` name.
 *
 * All per-interface logic lives in ONE bash script so that tests can run exactly what the node
 * runs. Its roots and tools come from environment variables (defaults are the real node's):
 *   MULTUS_IMDS_ENDPOINT   http://169.254.169.254
 *   MULTUS_SYSFS_NET       /sys/class/net
 *   MULTUS_CONFIG_ROOT     /etc             (systemd/network and sysctl.d are written below it)
 *   MULTUS_PROC_SYS        /proc/sys        (read only, to warn about conf.all.rp_filter)
 *   MULTUS_RUN_DIR         /run             (lock directory)
 *   MULTUS_IP_CMD, MULTUS_SYSCTL_CMD, MULTUS_NETWORKCTL_CMD   ip / sysctl / networkctl
 *       (a command line: "ip -n NS" works; a recorder script gives a dry run)
 *   MULTUS_IMDS_RETRIES, MULTUS_IMDS_RETRY_DELAY   60 tries, 2 s apart
 * AL2023 ships bash, curl, python3 and iproute2; the script needs nothing else.
 */

import { interfaceNameProblem } from "../model/interfaces";

export interface MultusNetworkInterface {
  /** The Multus network's name (documentation and logs only). */
  name: string;
  /** ENI device index the ENI-attach Lambda uses for this network (1, 2, ...). */
  deviceIndex: number;
  /** Stable node interface name; the network's NADs use it as `master`. */
  interfaceName: string;
}

export const SETUP_SCRIPT_PATH = "/usr/local/sbin/multus-eni-setup";
export const UDEV_RULE_PATH = "/etc/udev/rules.d/90-multus-eni.rules";
export const TEMPLATE_SERVICE_NAME = "multus-eni@.service";
export const SCAN_SERVICE_NAME = "multus-eni-scan.service";
export const SCAN_TIMER_NAME = "multus-eni-scan.timer";

/** Sorts before nodeadm's and amazon-ec2-net-utils' 70-*.network files, so ours wins. */
export function networkFileName(interfaceName: string): string {
  return `10-multus-${interfaceName}.network`;
}

/** Sorts after systemd's 50-default.conf, whose `net.ipv4.conf.*.rp_filter = 2` glob it must beat. */
export function sysctlFileName(interfaceName: string): string {
  return `90-multus-${interfaceName}.conf`;
}

function assertSafeNetworks(networks: readonly MultusNetworkInterface[]): void {
  // The names go into bash source: refuse anything the shared validator would refuse.
  for (const network of networks) {
    const problem = interfaceNameProblem(network.interfaceName);
    if (problem !== undefined || !Number.isInteger(network.deviceIndex) || network.deviceIndex < 1) {
      throw new Error(
        `renderInterfaceSetupScript: network "${network.name}" (device index ${network.deviceIndex}, ` +
          `interface "${network.interfaceName}") is invalid; validate it with renderNodeUserData first`,
      );
    }
  }
}

function nameTable(networks: readonly MultusNetworkInterface[]): string {
  const entries = [...networks]
    .sort((a, b) => a.deviceIndex - b.deviceIndex)
    .map((n) => `  [${n.deviceIndex}]="${n.interfaceName}" # ${n.name.replace(/[^\w.-]/g, "_")}`);
  return entries.length === 0
    ? "declare -A NAME_BY_DEVICE_INDEX=()"
    : `declare -A NAME_BY_DEVICE_INDEX=(\n${entries.join("\n")}\n)`;
}

/** The per-interface setup script, written on the node to SETUP_SCRIPT_PATH. */
export function renderInterfaceSetupScript(networks: readonly MultusNetworkInterface[]): string {
  assertSafeNetworks(networks);
  return `#!/bin/bash
# multus-eni-setup: names, configures and brings up the Multus ENIs of this node.
#   multus-eni-setup LINK   handle one link (started by udev for each new network device);
#                           waits for IMDS to know its device number (late after a hot-plug)
#   multus-eni-setup --scan handle every link IMDS already lists (boot and periodic reconcile)
# Device index 0 (the primary ENI) and device indexes not listed below are never touched.
set -o nounset -o pipefail

readonly IMDS_ENDPOINT="\${MULTUS_IMDS_ENDPOINT:-http://169.254.169.254}"
readonly SYSFS_NET="\${MULTUS_SYSFS_NET:-/sys/class/net}"
readonly CONFIG_ROOT="\${MULTUS_CONFIG_ROOT:-/etc}"
readonly PROC_SYS="\${MULTUS_PROC_SYS:-/proc/sys}"
readonly RUN_DIR="\${MULTUS_RUN_DIR:-/run}"
readonly RETRIES="\${MULTUS_IMDS_RETRIES:-60}"
readonly RETRY_DELAY="\${MULTUS_IMDS_RETRY_DELAY:-2}"
read -r -a IP_CMD <<<"\${MULTUS_IP_CMD:-ip}"
read -r -a SYSCTL_CMD <<<"\${MULTUS_SYSCTL_CMD:-sysctl}"
read -r -a NETWORKCTL_CMD <<<"\${MULTUS_NETWORKCTL_CMD:-networkctl}"

# ENI device index -> stable interface name (the NADs use these names as "master").
${nameTable(networks)}

log() { echo "multus-eni-setup: $*" >&2; }

# ---- IMDSv2 only: no token, no request (an IMDSv1 fallback would hide a hop-limit or policy problem).
imds_token=""
imds_status=""
imds_body=""

imds_fetch_token() {
  local response
  response="$(curl --silent --max-time 2 --request PUT \\
    --header "X-aws-ec2-metadata-token-ttl-seconds: 300" \\
    --write-out $'\\n%{http_code}' "$IMDS_ENDPOINT/latest/api/token")" || response=$'\\n000'
  if [[ "\${response##*$'\\n'}" == "200" && -n "\${response%$'\\n'*}" ]]; then
    imds_token="\${response%$'\\n'*}"
    return 0
  fi
  imds_token=""
  log "could not get an IMDSv2 session token from $IMDS_ENDPOINT (HTTP \${response##*$'\\n'}); IMDSv2 is required"
  return 1
}

# Sets imds_status (HTTP code, 000 when unreachable) and imds_body for meta-data path $1.
imds_get() {
  local response attempt
  for attempt in 1 2; do
    if [[ -z "$imds_token" ]] && ! imds_fetch_token; then
      imds_status="token"
      return 1
    fi
    response="$(curl --silent --max-time 2 --header "X-aws-ec2-metadata-token: $imds_token" \\
      --write-out $'\\n%{http_code}' "$IMDS_ENDPOINT/latest/meta-data/$1")" || response=$'\\n000'
    imds_status="\${response##*$'\\n'}"
    imds_body="\${response%$'\\n'*}"
    # An expired or rejected token: get a new one once.
    if [[ "$imds_status" == "401" && "$attempt" == 1 ]]; then
      imds_token=""
      continue
    fi
    break
  done
  [[ "$imds_status" == "200" ]]
}

# Like imds_get, but retries while the path is missing (a hot-plugged ENI shows up in IMDS a
# moment after its link) or IMDS is unreachable (early boot). $2: number of tries.
imds_get_with_retries() {
  local tries="$2" attempt
  for ((attempt = 1; attempt <= tries; attempt++)); do
    if imds_get "$1"; then
      return 0
    fi
    if ((attempt < tries)); then
      if ((attempt == 1)); then
        log "waiting for IMDS $1 (HTTP $imds_status): up to $tries tries, $RETRY_DELAY s apart"
      fi
      sleep "$RETRY_DELAY"
    fi
  done
  log "gave up on IMDS $1 after $tries tries (last: HTTP $imds_status)"
  return 1
}

# ---- commands that change the system (recorded instead when the *_CMD variables point at a recorder)
run_ip() { "\${IP_CMD[@]}" "$@"; }
run_sysctl() { "\${SYSCTL_CMD[@]}" "$@"; }
run_networkctl() { "\${NETWORKCTL_CMD[@]}" "$@"; }

# Writes $2 to file $1 atomically; returns 0 when the content changed.
write_if_changed() {
  local path="$1" content="$2"
  if [[ -f "$path" && "$(<"$path")" == "\${content%$'\\n'}" ]]; then
    return 1
  fi
  mkdir -p "\${path%/*}"
  printf '%s\\n' "\${content%$'\\n'}" >"$path.tmp.$$" && mv -f "$path.tmp.$$" "$path"
}

lock_dir="$RUN_DIR/multus-eni-setup.lock"
# The udev-started instances and the scan may run at once; serialise the changes (bash only).
acquire_lock() {
  local waited
  mkdir -p "$RUN_DIR"
  for ((waited = 0; waited < 600; waited++)); do
    if mkdir "$lock_dir" 2>/dev/null; then
      echo "$$" >"$lock_dir/pid"
      trap release_lock EXIT
      return 0
    fi
    # A holder that died leaves its directory behind: take it over.
    if [[ -f "$lock_dir/pid" ]] && ! kill -0 "$(<"$lock_dir/pid")" 2>/dev/null; then
      rm -rf "$lock_dir"
      continue
    fi
    sleep 0.1
  done
  log "timed out waiting for $lock_dir"
  return 1
}
release_lock() { rm -rf "$lock_dir"; }

network_file_content() {
  # Name and MAC both must match: the file applies to this ENI only, never to a stale one.
  cat <<EOF
# Written by multus-eni-setup for ENI device index $2. Sorts before nodeadm's 70-* files.
[Match]
Name=$1
MACAddress=$3

[Link]
# The ipvlan/macvlan CNI plugins never bring their master up; keep it up whatever happens.
ActivationPolicy=always-up
# Pods, not the node, use this link: boot and network-online must not wait for it.
RequiredForOnline=no

[Network]
# Addresses on Multus networks belong to pods, so the node takes none.
DHCP=no
IPv6AcceptRA=no
LinkLocalAddressing=no
ConfigureWithoutCarrier=yes
EOF
}

sysctl_file_content() {
  cat <<EOF
# Written by multus-eni-setup. The kernel applies max(conf.all, conf.$1) for rp_filter, and
# systemd's 50-default.conf glob sets 2 on every interface that appears later: traffic on the
# Multus subnet arrives here while the main table routes its sources elsewhere, so turn it off.
net.ipv4.conf.$1.rp_filter = 0
EOF
}

# Configures kernel link $1 (MAC $2) as Multus ENI device index $3.
configure_link() {
  local link="$1" mac="$2" device_index="$3"
  local target="\${NAME_BY_DEVICE_INDEX[$device_index]}"
  local network_file="$CONFIG_ROOT/systemd/network/10-multus-$target.network"
  local sysctl_file="$CONFIG_ROOT/sysctl.d/90-multus-$target.conf"

  if [[ "$link" != "$target" ]]; then
    if [[ -e "$SYSFS_NET/$target" ]]; then
      log "cannot rename $link to $target: another link already has that name"
      return 1
    fi
    # The kernel refuses to rename a link that is up.
    run_ip link set dev "$link" down || return 1
    run_ip link set dev "$link" name "$target" || return 1
    log "renamed $link (device index $device_index, $mac) to $target"
  fi

  if write_if_changed "$network_file" "$(network_file_content "$target" "$device_index" "$mac")"; then
    log "wrote $network_file"
    # networkd may be absent or starting; the link is brought up below regardless.
    run_networkctl reload || log "networkctl reload failed; $target is brought up directly"
  fi
  if write_if_changed "$sysctl_file" "$(sysctl_file_content "$target")"; then
    log "wrote $sysctl_file"
  fi
  # Set it now as well: systemd-sysctl ran for the old name when the link appeared.
  run_sysctl -w "net.ipv4.conf.$target.rp_filter=0" >/dev/null || return 1
  if [[ -r "$PROC_SYS/net/ipv4/conf/all/rp_filter" && "$(<"$PROC_SYS/net/ipv4/conf/all/rp_filter")" != "0" ]]; then
    log "warning: net.ipv4.conf.all.rp_filter is not 0, so the per-interface 0 on $target has no effect"
  fi
  run_ip link set dev "$target" up || return 1
}

# Handles link $1; $2 = tries for its device number (many for a hot-plug, one in a scan).
handle_link() {
  local link="$1" tries="$2" mac device_index
  if [[ ! -r "$SYSFS_NET/$link/address" ]]; then
    # Detached again, or already renamed by a scan that ran first: nothing left to do.
    log "no link named $link (gone or already renamed); nothing to do"
    return 0
  fi
  mac="$(<"$SYSFS_NET/$link/address")"
  mac="\${mac,,}"
  imds_get_with_retries "network/interfaces/macs/$mac/device-number" "$tries" || return 1
  device_index="$imds_body"
  if [[ ! "$device_index" =~ ^[0-9]+$ ]]; then
    log "IMDS gave device-number '$device_index' for $link ($mac); leaving it alone"
    return 1
  fi
  if [[ "$device_index" == 0 ]]; then
    return 0 # the primary ENI belongs to the VPC CNI and nodeadm
  fi
  # Device numbers repeat per network card; the Lambda attaches on card 0 only.
  if imds_get "network/interfaces/macs/$mac/network-card" && [[ "$imds_body" != 0 ]]; then
    return 0
  fi
  if [[ -z "\${NAME_BY_DEVICE_INDEX[$device_index]:-}" ]]; then
    log "$link ($mac) has device index $device_index, which is not a Multus network; leaving it alone"
    return 0
  fi
  acquire_lock || return 1
  local status=0
  # Another instance may have renamed it while this one waited for IMDS or the lock.
  if [[ "$(cat "$SYSFS_NET/$link/address" 2>/dev/null)" != "$mac" ]]; then
    log "$link changed while waiting (renamed or detached); nothing to do"
  else
    configure_link "$link" "$mac" "$device_index" || status=$?
  fi
  release_lock
  trap - EXIT
  return "$status"
}

# Handles every link whose MAC IMDS lists. Links IMDS does not know yet (or virtual ones) are
# skipped at once; the next scan or their own udev-started instance picks them up.
scan_links() {
  local macs path link mac failed=0
  imds_get_with_retries "network/interfaces/macs/" "$RETRIES" || return 1
  macs=$'\\n'"$imds_body"$'\\n'
  for path in "$SYSFS_NET"/*; do
    link="\${path##*/}"
    [[ "$link" == lo || ! -r "$path/address" ]] && continue
    mac="$(<"$path/address")"
    mac="\${mac,,}"
    # IMDS lists each ENI as "<mac>/", one a line.
    [[ "$macs" == *$'\\n'"$mac/"$'\\n'* || "$macs" == *$'\\n'"$mac"$'\\n'* ]] || continue
    handle_link "$link" 3 || failed=1
  done
  return "$failed"
}

main() {
  case "\${1:-}" in
    --scan) scan_links ;;
    "" | -*)
      echo "usage: $0 LINK | --scan" >&2
      return 2
      ;;
    *) handle_link "$1" "$RETRIES" ;;
  esac
}

main "$@"
`;
}

/**
 * udev starts one template instance per new, non-virtual network device (pod veths are virtual
 * and never reach IMDS). SYSTEMD_WANTS rather than RUN+=: udev kills long RUN programs, and the
 * wait for IMDS after a hot-plug can last a while.
 */
export function renderUdevRule(): string {
  return `# Written by the node user data: set up Multus ENIs when they are hot-plugged.
ACTION=="add", SUBSYSTEM=="net", KERNEL!="lo", DEVPATH!="/devices/virtual/*", TAG+="systemd", ENV{SYSTEMD_WANTS}+="multus-eni@%k.service"
`;
}

export function renderTemplateService(): string {
  return `[Unit]
Description=Multus ENI setup for %I
# IMDS is reachable only once the primary ENI is configured.
Wants=network-online.target
After=network-online.target systemd-networkd.service
# No BindsTo= on the device: the rename changes the device unit's name.

[Service]
Type=oneshot
ExecStart=${SETUP_SCRIPT_PATH} %I
TimeoutStartSec=10min
`;
}

export function renderScanService(): string {
  return `[Unit]
Description=Multus ENI setup for ENIs already present
Wants=network-online.target
After=network-online.target systemd-networkd.service

[Service]
Type=oneshot
ExecStart=${SETUP_SCRIPT_PATH} --scan

[Install]
WantedBy=multi-user.target
`;
}

/**
 * The periodic scan catches what the udev path can miss: an ENI whose device number reached IMDS
 * only after the instance's retries ran out, an event lost while the unit files were being
 * installed, and a link something else set down or an rp_filter reset by a later sysctl run.
 */
export function renderScanTimer(): string {
  return `[Unit]
Description=Reconcile Multus ENIs periodically

[Timer]
OnBootSec=30s
OnUnitActiveSec=60s

[Install]
WantedBy=timers.target
`;
}

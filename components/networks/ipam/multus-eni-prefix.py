#!/usr/bin/env python3
"""multus-eni-prefix: CNI IPAM plugin that hands out pod addresses from the IPv4 /28
prefix(es) of one Multus ENI, so that the VPC routes every pod address to that ENI.

The ENI-attach Lambda gives each Multus ENI of an `eni-prefix` network a /28 prefix when
it creates the ENI. This plugin reads that prefix and the ENI's subnet from instance
metadata (IMDSv2) and delegates the bookkeeping to the standard `host-local` IPAM plugin
(found on CNI_PATH), restricted to the prefix. Python 3.9+, standard library only.

IPAM config: {"type": "multus-eni-prefix", "deviceIndex": 1,
              "dataDir": "/var/lib/cni/networks/multus-eni-prefix-1",   (optional)
              "routes": [{"dst": "10.0.6.0/24"}],                        (optional)
              "imdsEndpoint": "http://169.254.169.254"}                  (optional)
Env MULTUS_IMDS_ENDPOINT overrides imdsEndpoint (tests).

Every address of a delegated prefix is usable: AWS reserves addresses of the subnet
(the first four and the last), never inside a prefix, and it only delegates /28 blocks
that hold no reserved or already-used address. So host-local gets all 16.
"""

import ipaddress
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

PLUGIN_NAME = "multus-eni-prefix"
SUPPORTED_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"]
DEFAULT_IMDS_ENDPOINT = "http://169.254.169.254"
DEFAULT_DATA_DIR_PARENT = "/var/lib/cni/networks"
RANGE_CACHE_FILE = "multus-eni-prefix-ranges.json"

IMDS_TOKEN_TTL_SECONDS = "60"
IMDS_REQUEST_TIMEOUT_SECONDS = 2.0
IMDS_ATTEMPTS = 3
# A hot-plugged ENI can be listed for a moment before its keys are readable.
ENI_LOOKUP_DELAYS_SECONDS = [0.5, 1.0]
DELEGATE_TIMEOUT_SECONDS = 30

# CNI spec error codes (1-99 are reserved for the spec, 100+ are plugin-specific).
CODE_INCOMPATIBLE_VERSION = 1
CODE_INVALID_ENV = 4
CODE_IO_FAILURE = 5
CODE_DECODE_FAILURE = 6
CODE_INVALID_CONFIG = 7
CODE_TRY_AGAIN_LATER = 11
CODE_NO_ENI_AT_DEVICE_INDEX = 101
CODE_ENI_WITHOUT_PREFIX = 102
CODE_PREFIX_EXHAUSTED = 103
CODE_ADDRESS_OUTSIDE_PREFIX = 104

HOST_LOCAL_EXHAUSTED_TEXT = "no IP addresses available in range set"


class CniError(Exception):
    def __init__(self, code, msg, details=""):
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.details = details


class Missing(Exception):
    """IMDS answered 404: the key does not exist (yet)."""


# ---------------------------------------------------------------- configuration


def parse_config(raw):
    try:
        conf = json.loads(raw or "{}")
    except ValueError as err:
        raise CniError(CODE_DECODE_FAILURE, "network configuration on stdin is not valid JSON", str(err))
    if not isinstance(conf, dict):
        raise CniError(CODE_DECODE_FAILURE, "network configuration on stdin must be a JSON object")
    return conf


def cni_version_of(conf):
    version = conf.get("cniVersion", "0.4.0")
    if version not in SUPPORTED_VERSIONS:
        raise CniError(
            CODE_INCOMPATIBLE_VERSION,
            f"cniVersion {version!r} is not supported by {PLUGIN_NAME}",
            f"set cniVersion to one of {', '.join(SUPPORTED_VERSIONS)}",
        )
    return version


def ipam_settings(conf):
    ipam = conf.get("ipam")
    if not isinstance(ipam, dict):
        raise CniError(CODE_INVALID_CONFIG, "network configuration has no 'ipam' object")
    device_index = ipam.get("deviceIndex")
    if isinstance(device_index, bool) or not isinstance(device_index, int) or device_index < 0:
        raise CniError(
            CODE_INVALID_CONFIG,
            f"ipam.deviceIndex must be the device index (an integer >= 1) of the Multus ENI, got {device_index!r}",
            "set ipam.deviceIndex to the index the ENI-attach Lambda attached the network's ENI at (1, 2, ...)",
        )
    if device_index == 0:
        raise CniError(
            CODE_INVALID_CONFIG,
            "ipam.deviceIndex 0 is the node's primary ENI, which the Amazon VPC CNI manages",
            "set ipam.deviceIndex to the Multus ENI's device index (1, 2, ...)",
        )
    data_dir = ipam.get("dataDir", f"{DEFAULT_DATA_DIR_PARENT}/{PLUGIN_NAME}-{device_index}")
    if not isinstance(data_dir, str) or not os.path.isabs(data_dir):
        raise CniError(CODE_INVALID_CONFIG, f"ipam.dataDir must be an absolute path, got {data_dir!r}")
    routes = ipam.get("routes", [])
    if not isinstance(routes, list) or not all(isinstance(r, dict) and "dst" in r for r in routes):
        raise CniError(CODE_INVALID_CONFIG, "ipam.routes must be a list of objects with a 'dst' CIDR")
    for route in routes:
        try:
            ipaddress.ip_network(route["dst"], strict=False)
        except (TypeError, ValueError):
            raise CniError(CODE_INVALID_CONFIG, f"ipam.routes dst {route['dst']!r} is not a CIDR such as 10.0.6.0/24")
    endpoint = os.environ.get("MULTUS_IMDS_ENDPOINT") or ipam.get("imdsEndpoint") or DEFAULT_IMDS_ENDPOINT
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        raise CniError(CODE_INVALID_CONFIG, f"ipam.imdsEndpoint must be an http(s) URL, got {endpoint!r}")
    return {
        "device_index": device_index,
        "data_dir": data_dir,
        "routes": routes,
        "endpoint": endpoint.rstrip("/"),
        "network": str(conf.get("name", "")),
    }


# ---------------------------------------------------------------- IMDSv2


class Imds:
    def __init__(self, endpoint):
        self.endpoint = endpoint
        # Never send metadata requests through an HTTP proxy from the environment.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.token = None

    def _request(self, method, path, headers):
        """One request with bounded retries on transient failures; 404 raises Missing."""
        last_error = None
        for attempt in range(IMDS_ATTEMPTS):
            if attempt:
                time.sleep(0.25 * 2 ** (attempt - 1))
            request = urllib.request.Request(self.endpoint + path, method=method, headers=headers)
            try:
                with self.opener.open(request, timeout=IMDS_REQUEST_TIMEOUT_SECONDS) as response:
                    return response.read().decode("utf-8")
            except urllib.error.HTTPError as err:
                if err.code == 404:
                    raise Missing(path)
                if err.code < 500 and err.code != 429:
                    raise
                last_error = err
            except (urllib.error.URLError, OSError) as err:
                last_error = err
        raise CniError(
            CODE_TRY_AGAIN_LATER,
            f"instance metadata (IMDS) at {self.endpoint} is unreachable",
            f"{method} {path} failed {IMDS_ATTEMPTS} times: {last_error}",
        )

    def _fetch_token(self):
        try:
            self.token = self._request(
                "PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": IMDS_TOKEN_TTL_SECONDS}
            )
        except (urllib.error.HTTPError, Missing) as err:
            raise CniError(
                CODE_TRY_AGAIN_LATER,
                f"instance metadata (IMDS) at {self.endpoint} refused an IMDSv2 session token",
                f"PUT /latest/api/token answered {err}; check the instance's metadata options "
                "(HttpEndpoint enabled, HttpTokens required or optional)",
            )

    def get(self, key):
        if self.token is None:
            self._fetch_token()
        path = "/latest/meta-data/" + key
        try:
            return self._request("GET", path, {"X-aws-ec2-metadata-token": self.token})
        except urllib.error.HTTPError as err:
            if err.code != 401:
                raise CniError(CODE_TRY_AGAIN_LATER, f"instance metadata GET {path} failed", str(err))
        self._fetch_token()  # 401: the token expired; one fresh session
        try:
            return self._request("GET", path, {"X-aws-ec2-metadata-token": self.token})
        except urllib.error.HTTPError as err:
            raise CniError(CODE_TRY_AGAIN_LATER, f"instance metadata GET {path} failed", str(err))

    def get_optional(self, key):
        try:
            return self.get(key)
        except Missing:
            return None


def find_eni(imds, device_index):
    """MAC, prefixes and subnet of the ENI at device_index on network card 0."""
    macs_seen = []
    for delay in ENI_LOOKUP_DELAYS_SECONDS + [None]:
        try:
            eni = _lookup_eni_once(imds, device_index, macs_seen)
        except Missing:
            eni = None
        if eni is not None and eni["prefixes"]:
            return eni
        if delay is None:
            break
        time.sleep(delay)
    if eni is None:
        raise CniError(
            CODE_NO_ENI_AT_DEVICE_INDEX,
            f"no ENI is attached at device index {device_index} (network card 0) of this node",
            f"instance metadata lists ENIs {', '.join(macs_seen) or '(none)'}; the ENI-attach Lambda attaches "
            "the Multus ENIs at device indexes 1, 2, ... in the order of the node group's Multus networks: "
            "check ipam.deviceIndex and the Lambda's logs",
        )
    raise CniError(
        CODE_ENI_WITHOUT_PREFIX,
        f"the ENI at device index {device_index} ({eni['mac']}) has no IPv4 prefix",
        "the ENI-attach Lambda gives eni-prefix networks a /28; was the network configured as eni-prefix "
        "when the node launched? Replace the node (or assign a /28 prefix to the ENI) to fix it",
    )


def _lookup_eni_once(imds, device_index, macs_seen):
    base = "network/interfaces/macs/"
    macs = [line.strip().rstrip("/") for line in imds.get(base).splitlines() if line.strip()]
    macs_seen[:] = macs
    for mac in macs:
        number = imds.get_optional(f"{base}{mac}/device-number")
        card = imds.get_optional(f"{base}{mac}/network-card") or "0"
        if number is None or number.strip() != str(device_index) or card.strip() != "0":
            continue
        prefixes = imds.get_optional(f"{base}{mac}/ipv4-prefix") or ""
        subnet = imds.get(f"{base}{mac}/subnet-ipv4-cidr-block").strip()
        return {"mac": mac, "prefixes": [p.strip() for p in prefixes.splitlines() if p.strip()], "subnet": subnet}
    return None


def host_local_ranges(eni, device_index):
    """One host-local range per prefix, all in the ENI's subnet, gateway = the VPC router."""
    try:
        subnet = ipaddress.IPv4Network(eni["subnet"])
        prefixes = [ipaddress.IPv4Network(p) for p in eni["prefixes"]]
    except ValueError as err:
        raise CniError(
            CODE_INVALID_CONFIG, f"instance metadata of the ENI at device index {device_index} is malformed", str(err)
        )
    router = subnet.network_address + 1
    ranges = []
    for prefix in prefixes:
        if not prefix.subnet_of(subnet):
            raise CniError(
                CODE_INVALID_CONFIG,
                f"prefix {prefix} of the ENI at device index {device_index} is outside its subnet {subnet}",
            )
        ranges.append(
            {
                "subnet": str(subnet),
                "rangeStart": str(prefix.network_address),
                "rangeEnd": str(prefix.broadcast_address),
                "gateway": str(router),
            }
        )
    return ranges


def range_prefix(host_local_range):
    first = ipaddress.IPv4Address(host_local_range["rangeStart"])
    last = ipaddress.IPv4Address(host_local_range["rangeEnd"])
    return next(ipaddress.summarize_address_range(first, last))


# ---------------------------------------------------------------- host-local delegation


def find_host_local():
    for directory in os.environ.get("CNI_PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, "host-local")
        if directory and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise CniError(
        CODE_INVALID_ENV,
        f"{PLUGIN_NAME} needs the host-local IPAM plugin, and it is not in CNI_PATH",
        f"CNI_PATH={os.environ.get('CNI_PATH', '')!r}; install the standard CNI plugins into /opt/cni/bin",
    )


def delegate_config(conf, settings, ranges):
    delegated = dict(conf)
    # host-local keeps its state in <dataDir>/<name>. One name per ENI, so that two networks
    # on the same ENI can never hand out the same address.
    delegated["name"] = f"eni-device-{settings['device_index']}"
    delegated["ipam"] = {
        "type": "host-local",
        "ranges": [ranges],
        "dataDir": settings["data_dir"],
        "routes": routes_beyond_own_subnet(settings["routes"], ranges),
    }
    return delegated


def routes_beyond_own_subnet(routes, ranges):
    """The pod's own subnet is connected: a route to it through the router would shadow that."""
    own = {ipaddress.ip_network(entry["subnet"], strict=False) for entry in ranges if "subnet" in entry}
    return [route for route in routes if ipaddress.ip_network(route["dst"], strict=False) not in own]


def run_host_local(config):
    try:
        completed = subprocess.run(
            [find_host_local()],
            input=json.dumps(config).encode("utf-8"),
            capture_output=True,
            timeout=DELEGATE_TIMEOUT_SECONDS,
            env=os.environ.copy(),
        )
    except subprocess.TimeoutExpired:
        raise CniError(CODE_TRY_AGAIN_LATER, f"host-local did not answer within {DELEGATE_TIMEOUT_SECONDS} s")
    output = completed.stdout.decode("utf-8", "replace")
    if completed.returncode == 0:
        return output
    try:
        error = json.loads(output)
        code, msg, details = int(error.get("code", 999)), str(error.get("msg", "")), str(error.get("details", ""))
    except (ValueError, AttributeError):
        code, msg, details = 999, output.strip(), completed.stderr.decode("utf-8", "replace").strip()
    raise CniError(code, f"host-local: {msg}", details)


def save_ranges(settings, ranges):
    os.makedirs(settings["data_dir"], exist_ok=True)
    path = os.path.join(settings["data_dir"], RANGE_CACHE_FILE)
    temporary = f"{path}.{os.getpid()}.tmp"  # concurrent ADDs must not share one
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(ranges, handle)
    os.replace(temporary, path)


def load_ranges(settings):
    try:
        with open(os.path.join(settings["data_dir"], RANGE_CACHE_FILE), encoding="utf-8") as handle:
            ranges = json.load(handle)
        return ranges if isinstance(ranges, list) and ranges else None
    except (OSError, ValueError):
        return None


# host-local releases by container ID and interface name whatever the range says, so when
# no range was ever recorded a syntactically valid stand-in is enough for DEL.
RELEASE_ONLY_RANGES = [{"subnet": "169.254.0.0/16"}]


# ---------------------------------------------------------------- commands


def cmd_add(conf, settings):
    ranges = host_local_ranges(find_eni(Imds(settings["endpoint"]), settings["device_index"]), settings["device_index"])
    save_ranges(settings, ranges)
    try:
        return run_host_local(delegate_config(conf, settings, ranges))
    except CniError as err:
        if HOST_LOCAL_EXHAUSTED_TEXT not in err.msg:
            raise
        blocks = ", ".join(str(range_prefix(r)) for r in ranges)
        raise CniError(
            CODE_PREFIX_EXHAUSTED,
            f"prefix {blocks} of the ENI at device index {settings['device_index']} (network "
            f"{settings['network'] or '?'}) has no free address on this node",
            "every address of the ENI's /28 is in use by a pod of this node; schedule the pod on another node, "
            f"or give the ENI another prefix. {err.msg}",
        )


def cmd_del(conf, settings):
    ranges = load_ranges(settings) or RELEASE_ONLY_RANGES
    run_host_local(delegate_config(conf, settings, ranges))
    return ""


def cmd_check(conf, settings):
    ranges = host_local_ranges(find_eni(Imds(settings["endpoint"]), settings["device_index"]), settings["device_index"])
    run_host_local(delegate_config(conf, settings, ranges))
    subnet = ipaddress.IPv4Network(ranges[0]["subnet"])
    prefixes = [range_prefix(r) for r in ranges]
    for ip in (conf.get("prevResult") or {}).get("ips", []):
        address = ipaddress.ip_interface(ip.get("address", "0.0.0.0/32")).ip
        if address.version == 4 and address in subnet and not any(address in p for p in prefixes):
            raise CniError(
                CODE_ADDRESS_OUTSIDE_PREFIX,
                f"address {address} is no longer inside the prefix of the ENI at device index "
                f"{settings['device_index']} ({', '.join(map(str, prefixes))})",
                "the VPC does not route it to this node any more: delete and recreate the pod",
            )
    return ""


def main():
    command = os.environ.get("CNI_COMMAND", "")
    raw = sys.stdin.read()
    version = "1.0.0"
    try:
        conf = parse_config(raw)
        if command == "VERSION":
            version = conf.get("cniVersion", "1.0.0")
            sys.stdout.write(json.dumps({"cniVersion": version, "supportedVersions": SUPPORTED_VERSIONS}))
            return 0
        version = cni_version_of(conf)
        handlers = {"ADD": cmd_add, "DEL": cmd_del, "CHECK": cmd_check}
        if command not in handlers:
            raise CniError(CODE_INVALID_ENV, f"CNI_COMMAND {command!r} is not one of ADD, DEL, CHECK, VERSION")
        sys.stdout.write(handlers[command](conf, ipam_settings(conf)))
        return 0
    except CniError as err:
        sys.stdout.write(json.dumps({"cniVersion": version, "code": err.code, "msg": err.msg, "details": err.details}))
        return 1
    except Exception as err:  # noqa: BLE001 - the runtime must always get CNI error JSON
        sys.stdout.write(
            json.dumps({"cniVersion": version, "code": CODE_IO_FAILURE, "msg": f"{PLUGIN_NAME}: {err}", "details": ""})
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())

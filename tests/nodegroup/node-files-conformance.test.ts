// The node files checked by the real tools, on the files themselves (rootfs/ as it lands on a node):
//   shellcheck            every shell script of the tree, and the user data's fetch script
//   systemd-analyze verify every unit (systemd 252, as on AL2023), with the tree's executables
//                          bind-mounted where the units expect them (a private mount namespace)
//   udevadm test          the udev rule on a real veth in a network namespace this test creates,
//                          behind a rule that renames the link first, as AL2023 renames a
//                          hot-plugged ethN: the service must be started for the NEW name
//   udevadm test-builtin net_setup_link   the .link file multus-eni-setup writes: udev applies it
//                          by MAC and names the ENI at the next boot, before networkd sees it.
//   systemd-networkd      (252, in the namespace) given both nodeadm's 70-eks-<if>.network and the
//                          .network file multus-eni-setup writes for the same ENI, configures the
//                          link with ours: no host address.
// The udev and systemd checks need root (namespaces, mounts); tests/support/setup.sh installs
// shellcheck, udev and systemd.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRootfs, ROOTFS_DIRECTORY, rootfsSource } from "../../components/nodegroup/rootfs";
import { FETCH_SCRIPT_SOURCE } from "../../components/nodegroup/userdata";

const UDEV_RULE = rootfsSource("/etc/udev/rules.d/90-multus-eni.rules");
const UNIT_DIRECTORY = rootfsSource("/etc/systemd/system");

function run(command: string, args: string[], input?: string) {
  return spawnSync(command, args, { encoding: "utf8", ...(input === undefined ? {} : { input }) });
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

const NETWORKD = "/lib/systemd/systemd-networkd";

/** Runs a bash script as root in a private mount namespace (bind mounts stay inside it). */
function inPrivateMounts(script: string, namespace?: string, cwd?: string) {
  const unshare = ["unshare", "-m", "bash", "-euo", "pipefail", "-c", `mount --make-rprivate /\n${script}`];
  const [command, args] =
    namespace === undefined
      ? [unshare[0], unshare.slice(1)]
      : ["ip", ["netns", "exec", namespace, ...unshare]];
  return spawnSync(command, args, { encoding: "utf8", ...(cwd === undefined ? {} : { cwd }) });
}

describe("node files conformance (shellcheck, systemd-analyze verify, udevadm test)", function () {
  describe("shellcheck", function () {
    const shellScripts = [
      ...readRootfs()
        .filter((file) =>
          /^#!\/bin\/(ba)?sh\b|^#!\/usr\/bin\/env (ba)?sh\b/.test(file.content.toString("utf8")),
        )
        .map((file) => rootfsSource(file.path)),
      FETCH_SCRIPT_SOURCE,
    ];

    it("finds the shell scripts of the tree", function () {
      assert.ok(shellScripts.some((file) => file.endsWith("/usr/local/sbin/multus-eni-setup")));
      assert.ok(shellScripts.some((file) => file.endsWith("/usr/local/sbin/multus-node-activate")));
    });

    for (const script of shellScripts) {
      it(`passes shellcheck: ${script.slice(script.indexOf("components/"))}`, function () {
        const result = run("shellcheck", ["--external-sources", "--severity=style", script]);
        assert.equal(
          result.error,
          undefined,
          "shellcheck is not installed (tests/support/setup.sh installs it)",
        );
        assert.equal(result.status, 0, result.stdout + result.stderr);
      });
    }
  });

  describe("systemd-analyze verify", function () {
    before(function () {
      if (!isRoot()) this.skip(); // needs a private mount namespace
    });

    it("every unit verifies with no warning, its ExecStart binaries being the tree's own", function () {
      const work = mkdtempSync(join(tmpdir(), "multus-units-"));
      try {
        const units = readdirSync(UNIT_DIRECTORY).map((name) => {
          // A template is verified as an instance (multus-eni@ens6.service), as udev starts it.
          const verifiedName = name.replace(/@\.service$/, "@ens6.service");
          writeFileSync(join(work, verifiedName), readFileSync(join(UNIT_DIRECTORY, name)));
          return join(work, verifiedName);
        });
        assert.ok(units.length >= 3, units.join());
        const result = inPrivateMounts(
          [
            `mount --bind ${JSON.stringify(join(ROOTFS_DIRECTORY, "usr/local/sbin"))} /usr/local/sbin`,
            `systemd-analyze verify ${units.map((unit) => JSON.stringify(unit)).join(" ")}`,
          ].join("\n"),
        );
        assert.equal(result.status, 0, result.stdout + result.stderr);
        // Unknown keys or sections are only warnings: they must not be there either.
        assert.equal(result.stderr.trim(), "", result.stderr);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });

    it("catches a unit whose command the tree does not ship (the check can fail)", function () {
      const work = mkdtempSync(join(tmpdir(), "multus-units-"));
      try {
        const unit = join(work, "broken.service");
        writeFileSync(
          unit,
          "[Unit]\nDescription=x\n[Service]\nType=oneshot\nExecStart=/usr/local/sbin/not-shipped\n",
        );
        const result = inPrivateMounts(
          `mount --bind ${JSON.stringify(join(ROOTFS_DIRECTORY, "usr/local/sbin"))} /usr/local/sbin\n` +
            `systemd-analyze verify ${JSON.stringify(unit)}`,
        );
        assert.notEqual(result.status, 0);
        assert.match(result.stderr, /not-shipped is not executable/);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });

  describe("udev (udevadm 252 on a real veth, in a namespace of its own)", function () {
    const suffix = randomBytes(3).toString("hex");
    const namespace = `multus-udev-${suffix}`;
    const kernelName = "eth1";
    const renamedTo = "enp39s0";

    before(function () {
      if (!isRoot() || run("udevadm", ["--version"]).status !== 0) this.skip();
      assert.equal(run("ip", ["netns", "add", namespace]).status, 0);
    });
    after(function () {
      run("ip", ["netns", "del", namespace]);
    });

    /** A fresh veth named like a hot-plugged ENI, inside the namespace. */
    const addVeth = (name: string, mac: string): void => {
      run("ip", ["-n", namespace, "link", "del", name]);
      const peer = `vu${suffix}${name.slice(-1)}`;
      const added = run("ip", [
        "link",
        "add",
        peer,
        "type",
        "veth",
        "peer",
        "name",
        name,
        "netns",
        namespace,
      ]);
      assert.equal(added.status, 0, added.stderr);
      assert.equal(run("ip", ["-n", namespace, "link", "set", name, "address", mac]).status, 0);
    };

    /** `udevadm test --action=add` with these rule files only in /run/udev/rules.d (private mount). */
    const udevTest = (link: string, rules: Record<string, string>): string => {
      const work = mkdtempSync(join(tmpdir(), "multus-udev-"));
      try {
        for (const [name, text] of Object.entries(rules)) writeFileSync(join(work, name), text);
        const result = inPrivateMounts(
          [
            "mkdir -p /run/udev/rules.d",
            `mount --bind ${JSON.stringify(work)} /run/udev/rules.d`,
            `udevadm test --action=add /sys/class/net/${link} 2>/dev/null`,
          ].join("\n"),
          namespace,
        );
        assert.equal(result.status, 0, result.stderr);
        return result.stdout;
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    };
    const property = (output: string, key: string): string | undefined =>
      output
        .split("\n")
        .find((line) => line.startsWith(`${key}=`))
        ?.slice(key.length + 1);

    // Our rule skips virtual devices (pod veths must not start the service); an ENI is not virtual
    // but every link this container can make is, so this one clause is removed for these checks.
    const ruleForVirtualLinks = (): string => {
      const rule = readFileSync(UDEV_RULE, "utf8");
      assert.match(rule, /, DEVPATH!="\/devices\/virtual\/\*"/);
      return rule.replace(/, DEVPATH!="\/devices\/virtual\/\*"/, "");
    };

    it("starts multus-eni@<name after the rename>.service, not the kernel name of the event", function () {
      addVeth(kernelName, "02:aa:bb:00:00:06");
      const output = udevTest(kernelName, {
        // What AL2023 does to a hot-plugged ENI before our rule runs: a predictable name.
        "10-rename-like-al2023.rules": `ACTION=="add", SUBSYSTEM=="net", KERNEL=="${kernelName}", NAME="${renamedTo}"\n`,
        "90-multus-eni.rules": ruleForVirtualLinks(),
      });
      assert.equal(property(output, "INTERFACE_OLD"), kernelName, output);
      assert.equal(property(output, "SYSTEMD_WANTS"), `multus-eni@${renamedTo}.service`, output);
    });

    it("starts the service for the kernel name when nothing renames the link", function () {
      addVeth("eth2", "02:aa:bb:00:00:07");
      const output = udevTest("eth2", { "90-multus-eni.rules": ruleForVirtualLinks() });
      assert.equal(property(output, "SYSTEMD_WANTS"), "multus-eni@eth2.service", output);
    });

    it("leaves virtual links (pod veths) alone with the rule as shipped", function () {
      addVeth("eth3", "02:aa:bb:00:00:08");
      const output = udevTest("eth3", { "90-multus-eni.rules": readFileSync(UDEV_RULE, "utf8") });
      assert.equal(property(output, "SYSTEMD_WANTS"), undefined, output);
    });

    it("applies the .link file multus-eni-setup writes, by MAC: the ENI gets its name from udev", function () {
      // The file exactly as the setup script writes it (run in dry mode to produce it).
      const sandbox = mkdtempSync(join(tmpdir(), "multus-link-"));
      try {
        const mac = "02:aa:bb:00:00:09";
        const config = join(sandbox, "node-config.json");
        writeFileSync(
          config,
          JSON.stringify({
            clusterName: "c",
            region: "cn-northwest-1",
            networks: [
              {
                name: "ipvlan-conf-1",
                deviceIndex: 1,
                interfaceName: "multus1",
                ipam: "host-local",
                subnetCidrs: ["10.0.4.0/24"],
              },
            ],
          }),
        );
        const linkText = produceNetworkFiles(sandbox, config, mac).link;
        addVeth("eth4", mac);
        const result = inPrivateMounts(
          [
            "mkdir -p /run/systemd/network",
            `mount -t tmpfs tmpfs /run/systemd/network`,
            `cat > /run/systemd/network/10-multus-multus1.link <<'LINK'\n${linkText}LINK`,
            "udevadm test-builtin net_setup_link /sys/class/net/eth4 2>&1",
          ].join("\n"),
          namespace,
        );
        assert.equal(result.status, 0, result.stderr);
        assert.match(
          result.stdout,
          /Config file \/run\/systemd\/network\/10-multus-multus1\.link is applied/,
        );
        assert.match(result.stdout, /^ID_NET_NAME=multus1$/m);
      } finally {
        rmSync(sandbox, { recursive: true, force: true });
      }
    });

    for (const withOurs of [true, false]) {
      it(
        withOurs
          ? "systemd-networkd configures the ENI with our .network file, not nodeadm's 70-eks file: no host address"
          : "(control) without our file, systemd-networkd applies nodeadm's 70-eks file and the host address",
        function () {
          if (run("test", ["-x", NETWORKD]).status !== 0) this.skip();
          const sandbox = mkdtempSync(join(tmpdir(), "multus-networkd-"));
          try {
            const mac = "02:aa:bb:00:00:0a";
            const config = join(sandbox, "node-config.json");
            writeOneNetworkNodeConfig(config);
            const ours = produceNetworkFiles(sandbox, config, mac).network;
            addVeth("eth5", mac);
            // Carrier, so that networkd would really apply an address.
            assert.equal(run("ip", ["link", "set", `vu${suffix}5`, "up"]).status, 0);
            // nodeadm's file as anchors.md describes it (matched by MAC; a veth has no permanent
            // MAC, so MACAddress= stands in for nodeadm's PermanentMACAddress=), with a static
            // address in place of DHCP so that the test needs no DHCP server.
            const nodeadm = `[Match]\nMACAddress=${mac}\n\n[Network]\nAddress=10.0.4.57/24\n`;
            const result = inPrivateMounts(
              [
                "mkdir -p /run/systemd/network /run/systemd/netif",
                "mount -t tmpfs -o mode=0755 tmpfs /run/systemd/network",
                "mount -t tmpfs -o mode=0755 tmpfs /run/systemd/netif",
                "chown systemd-network:systemd-network /run/systemd/netif || true",
                `cat > /run/systemd/network/70-eks-eth5.network <<'NETWORK'\n${nodeadm}NETWORK`,
                withOurs
                  ? `cat > /run/systemd/network/10-multus-multus1.network <<'NETWORK'\n${ours}NETWORK`
                  : "true",
                // networkd waits for udev to have initialised a link: record it in udev's database.
                "udevadm test --action=add /sys/class/net/eth5 >/dev/null 2>&1",
                `SYSTEMD_LOG_LEVEL=debug timeout 5 ${NETWORKD} >networkd.log 2>&1 &`,
                "for _ in $(seq 40); do grep -q 'eth5: Configuring with' networkd.log && break; sleep 0.1; done",
                "sleep 1",
                "grep 'eth5: Configuring with' networkd.log || true",
                "ip -4 -o address show dev eth5",
                "wait || true",
              ].join("\n"),
              namespace,
              sandbox,
            );
            assert.equal(result.status, 0, result.stdout + result.stderr);
            if (withOurs) {
              assert.match(
                result.stdout,
                /eth5: Configuring with \/run\/systemd\/network\/10-multus-multus1\.network/,
              );
              assert.doesNotMatch(result.stdout, /10\.0\.4\.57/);
            } else {
              assert.match(
                result.stdout,
                /eth5: Configuring with \/run\/systemd\/network\/70-eks-eth5\.network/,
              );
              assert.match(result.stdout, /inet 10\.0\.4\.57\/24/);
            }
          } finally {
            rmSync(sandbox, { recursive: true, force: true });
          }
        },
      );
    }
  });
});

/** Runs multus-eni-setup in dry mode against a one-shot fake IMDS to get the files it writes. */
function produceNetworkFiles(
  sandbox: string,
  nodeConfig: string,
  mac: string,
): { link: string; network: string } {
  const sysfs = join(sandbox, "sys");
  const imds = join(sandbox, "imds.py");
  // A tiny IMDSv2 stand-in in Python (stdlib): enough keys for one ENI at device index 1.
  writeFileSync(
    imds,
    `import http.server, sys
KEYS = {"network/interfaces/macs/": "${mac}/", "network/interfaces/macs/${mac}/device-number": "1",
        "network/interfaces/macs/${mac}/subnet-ipv4-cidr-block": "10.0.4.0/24"}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body):
        self.send_response(code); self.end_headers(); self.wfile.write(body.encode())
    def do_PUT(self): self.reply(200, "token")
    def do_GET(self):
        key = self.path[len("/latest/meta-data/"):]
        self.reply(200, KEYS[key]) if key in KEYS else self.reply(404, "")
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
`,
  );
  const script = [
    `mkdir -p ${sysfs}/eth9`,
    `echo ${mac} > ${sysfs}/eth9/address`,
    `python3 ${imds} > ${sandbox}/port &`,
    "server=$!",
    `for _ in $(seq 50); do [ -s ${sandbox}/port ] && break; sleep 0.1; done`,
    `MULTUS_NODE_CONFIG=${nodeConfig} MULTUS_IMDS_ENDPOINT=http://127.0.0.1:$(cat ${sandbox}/port) ` +
      `MULTUS_SYSFS_NET=${sysfs} MULTUS_CONFIG_ROOT=${sandbox}/etc MULTUS_RUN_DIR=${sandbox}/run ` +
      `MULTUS_IP_CMD=true MULTUS_NETWORKCTL_CMD=true bash ${rootfsSource("/usr/local/sbin/multus-eni-setup")} eth9`,
    "status=$?",
    'kill "$server"',
    'exit "$status"',
  ].join("\n");
  const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return {
    link: readFileSync(join(sandbox, "etc/systemd/network/10-multus-multus1.link"), "utf8"),
    network: readFileSync(join(sandbox, "etc/systemd/network/10-multus-multus1.network"), "utf8"),
  };
}

function writeOneNetworkNodeConfig(path: string): void {
  writeFileSync(
    path,
    JSON.stringify({
      clusterName: "c",
      region: "cn-northwest-1",
      networks: [
        {
          name: "ipvlan-conf-1",
          deviceIndex: 1,
          interfaceName: "multus1",
          ipam: "host-local",
          subnetCidrs: ["10.0.4.0/24"],
        },
      ],
    }),
  );
}

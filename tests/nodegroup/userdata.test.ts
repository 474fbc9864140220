import { randomBytes } from "crypto";
import { gunzipSync } from "zlib";
// Structure and validation of the node user data. The MIME document is parsed by Python's email
// package (what cloud-init uses), not by a parser written for this test.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import YAML from "yaml";
import { defaultInterfaceName } from "../../components/model/interfaces";
import { readFileSync } from "node:fs";
import {
  describeInterfaceNaming,
  FETCH_SCRIPT_SOURCE,
  MAX_USER_DATA_BYTES,
  userDataPayload,
  MIME_BOUNDARY,
  NodeUserDataArgs,
  renderNodeUserData,
} from "../../components/nodegroup/userdata";

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIBfakefakefake\n-----END CERTIFICATE-----\n").toString(
  "base64",
);

function baseArgs(overrides: Partial<NodeUserDataArgs> = {}): NodeUserDataArgs {
  return {
    clusterName: "multus-cn",
    apiServerEndpoint: "https://0123456789ABCDEF.yl4.cn-northwest-1.eks.amazonaws.com.cn",
    certificateAuthority: CA,
    serviceCidr: "172.20.0.0/16",
    maxPods: 29,
    labels: { "multus-eks/role": "multus", "node.kubernetes.io/lifecycle": "normal" },
    networks: [
      { name: "ipvlan-conf-1", deviceIndex: 1, interfaceName: defaultInterfaceName(1) },
      { name: "ipvlan-conf-2", deviceIndex: 2, interfaceName: defaultInterfaceName(2) },
    ],
    nodeFiles: {
      bucket: "eks-multus-cluster-node-files-0123abc",
      key: `node-files/${"a".repeat(64)}.tar.gz`,
      sha256: "a".repeat(64),
      region: "cn-northwest-1",
    },
    ...overrides,
  };
}

interface ParsedMime {
  multipart: boolean;
  contentType: string;
  boundary: string | null;
  parts: { contentType: string; payload: string }[];
}

function parseMime(document: string): ParsedMime {
  const python = `
import email, json, sys
msg = email.message_from_string(sys.stdin.read())
print(json.dumps({
  "multipart": msg.is_multipart(),
  "contentType": msg.get_content_type(),
  "boundary": msg.get_boundary(),
  "parts": [{"contentType": p.get_content_type(), "payload": p.get_payload()} for p in msg.get_payload()]
           if msg.is_multipart() else [],
}))
`;
  const result = spawnSync("python3", ["-c", python], { input: document, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as ParsedMime;
}

function nodeConfigOf(document: string): Record<string, unknown> {
  const part = parseMime(document).parts.find((p) => p.contentType === "application/node.eks.aws");
  assert.ok(part, "a NodeConfig part");
  return YAML.parse(part.payload) as Record<string, unknown>;
}

function problemsOf(args: NodeUserDataArgs): string {
  try {
    renderNodeUserData(args);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail("expected an Error");
}

describe("renderNodeUserData", function () {
  describe("structure", function () {
    it("is a multipart/mixed document with a NodeConfig part and a shell-script part", function () {
      const mime = parseMime(renderNodeUserData(baseArgs()));
      assert.equal(mime.multipart, true);
      assert.equal(mime.contentType, "multipart/mixed");
      assert.equal(mime.boundary, MIME_BOUNDARY);
      assert.deepEqual(
        mime.parts.map((p) => p.contentType),
        ["application/node.eks.aws", "text/x-shellscript"],
      );
      assert.ok(mime.parts[1].payload.startsWith("#!/bin/bash\n"));
    });

    it("carries a NodeConfig with the cluster fields, maxPodsExpression and the labels as kubelet flags", function () {
      const config = nodeConfigOf(
        renderNodeUserData(baseArgs({ labels: { zeta: "1", "alpha.example.com/tier": "net" } })),
      );
      assert.deepEqual(config, {
        apiVersion: "node.eks.aws/v1alpha1",
        kind: "NodeConfig",
        spec: {
          cluster: {
            name: "multus-cn",
            apiServerEndpoint: "https://0123456789ABCDEF.yl4.cn-northwest-1.eks.amazonaws.com.cn",
            certificateAuthority: CA,
            cidr: "172.20.0.0/16",
          },
          kubelet: {
            maxPodsExpression: "29",
            config: { registerWithTaints: [{ key: "multus-eks/not-ready", effect: "NoSchedule" }] },
            flags: ["--node-labels=alpha.example.com/tier=net,zeta=1"],
          },
        },
      });
    });

    it("gives kubelet and kube-reserved the same max pods: maxPodsExpression, never kubelet config.maxPods", function () {
      // nodeadm's documentation ("Defining a Max Pods Expression"): maxPods in the kubelet config
      // takes precedence over the expression, and kubeReserved is calculated from the expression's
      // result (or nodeadm's own ENI-based figure). So config.maxPods alone gives kubelet 17 and
      // kube-reserved nodeadm's figure; the expression gives both 17.
      const config = nodeConfigOf(renderNodeUserData(baseArgs({ maxPods: 17, labels: {} })));
      const kubelet = (config.spec as { kubelet: Record<string, unknown> }).kubelet;
      assert.deepEqual(Object.keys(kubelet), ["maxPodsExpression", "config"]);
      // The only kubelet config is the startup taint (CONTRACTS item 6): no config.maxPods.
      assert.deepEqual(kubelet.config, {
        registerWithTaints: [{ key: "multus-eks/not-ready", effect: "NoSchedule" }],
      });
      const expression = kubelet.maxPodsExpression;
      // A CEL integer literal evaluates to itself.
      assert.equal(typeof expression, "string");
      assert.match(expression as string, /^[1-9]\d*$/);
      assert.equal(Number(expression), 17);
    });

    it("strips whitespace from a wrapped CA bundle", function () {
      const wrapped = `${CA.slice(0, 20)}\n${CA.slice(20)}`;
      const config = nodeConfigOf(renderNodeUserData(baseArgs({ certificateAuthority: wrapped })));
      assert.equal(
        (config.spec as { cluster: { certificateAuthority: string } }).cluster.certificateAuthority,
        CA,
      );
    });

    it("is deterministic: the same arguments give the identical string, whatever the label order", function () {
      const first = renderNodeUserData(baseArgs({ labels: { b: "2", a: "1" } }));
      const second = renderNodeUserData(baseArgs({ labels: { a: "1", b: "2" } }));
      assert.equal(first, second);
      assert.equal(renderNodeUserData(baseArgs()), renderNodeUserData(baseArgs()));
    });

    it("its shell part is the fetch script file, with the node files' location and digest assigned first", function () {
      const script = parseMime(renderNodeUserData(baseArgs())).parts[1].payload;
      const lines = script.split("\n");
      assert.deepEqual(lines.slice(0, 5), [
        "#!/bin/bash",
        "MULTUS_NODE_FILES_BUCKET='eks-multus-cluster-node-files-0123abc'",
        `MULTUS_NODE_FILES_KEY='node-files/${"a".repeat(64)}.tar.gz'`,
        `MULTUS_NODE_FILES_SHA256='${"a".repeat(64)}'`,
        "MULTUS_NODE_FILES_REGION='cn-northwest-1'",
      ]);
      const file = readFileSync(FETCH_SCRIPT_SOURCE, "utf8");
      assert.equal(lines.slice(5).join("\n"), file.slice(file.indexOf("\n") + 1));
    });

    it("refuses a node-files location a shell could misread, naming the setting", function () {
      const message = problemsOf(
        baseArgs({ nodeFiles: { bucket: "Bad'Bucket", key: "k$(x)", sha256: "abc", region: "nowhere" } }),
      );
      for (const setting of ["nodeFiles.bucket", "nodeFiles.key", "nodeFiles.sha256", "nodeFiles.region"]) {
        assert.match(message, new RegExp(`^  - ${setting.replace(".", "\\.")}: `, "m"), setting);
      }
    });

    it("adds the caller's script as a further shell-script part", function () {
      const extra = "#!/bin/bash\necho hello from the operator\n";
      const mime = parseMime(renderNodeUserData(baseArgs({ extraBootstrapScript: extra })));
      assert.deepEqual(
        mime.parts.map((p) => p.contentType),
        ["application/node.eks.aws", "text/x-shellscript", "text/x-shellscript"],
      );
      assert.equal(mime.parts[2].payload, extra);
    });

    it("documents the naming scheme per network", function () {
      assert.deepEqual(describeInterfaceNaming(baseArgs().networks.slice().reverse()), [
        "network ipvlan-conf-1: ENI device index 1 -> node interface multus1 (NAD master)",
        "network ipvlan-conf-2: ENI device index 2 -> node interface multus2 (NAD master)",
      ]);
    });
  });

  describe("validation", function () {
    it("rejects device index 0 (the primary ENI) and non-integers", function () {
      const message = problemsOf(
        baseArgs({
          networks: [
            { name: "a", deviceIndex: 0, interfaceName: "multus0" },
            { name: "b", deviceIndex: 1.5, interfaceName: "multusb" },
          ],
        }),
      );
      assert.match(
        message,
        /networks\[0\] \("a"\)\.deviceIndex: 0 must be a whole number >= 1: device index 0 is the primary ENI/,
      );
      assert.match(message, /networks\[1\] \("b"\)\.deviceIndex: 1\.5 must be a whole number >= 1/);
    });

    it("rejects a duplicate device index, naming both networks", function () {
      const message = problemsOf(
        baseArgs({
          networks: [
            { name: "a", deviceIndex: 1, interfaceName: "multus1" },
            { name: "b", deviceIndex: 1, interfaceName: "multusb" },
          ],
        }),
      );
      assert.match(message, /networks\[1\] \("b"\)\.deviceIndex: 1 is already used by network "a"/);
    });

    it("rejects a bad or duplicate interface name", function () {
      const message = problemsOf(
        baseArgs({
          networks: [
            { name: "a", deviceIndex: 1, interfaceName: "eth1" },
            { name: "b", deviceIndex: 2, interfaceName: "multus-interface-too-long" },
            { name: "c", deviceIndex: 3, interfaceName: "net1" },
            { name: "d", deviceIndex: 4, interfaceName: "net1" },
          ],
        }),
      );
      assert.match(
        message,
        /networks\[0\] \("a"\)\.interfaceName: "eth1" must not use a kernel or udev name prefix/,
      );
      assert.match(
        message,
        /networks\[1\] \("b"\)\.interfaceName: "multus-interface-too-long" must be 1 to 15 characters/,
      );
      assert.match(message, /networks\[3\] \("d"\)\.interfaceName: "net1" is already used by network "c"/);
    });

    it("rejects bad label keys and values, and labels kubelet may not set", function () {
      const message = problemsOf(
        baseArgs({
          labels: {
            "bad key": "x",
            good: "not valid!",
            "node-role.kubernetes.io/worker": "",
            "Upper.Case/x": "y",
          },
        }),
      );
      assert.match(message, /labels\["bad key"\]: key its name must be 1 to 63 characters/);
      assert.match(message, /labels\["good"\]: value "not valid!" must be at most 63 characters/);
      assert.match(
        message,
        /labels\["node-role.kubernetes.io\/worker"\]: key kubelet may not set labels in the kubernetes.io/,
      );
      assert.match(message, /labels\["Upper.Case\/x"\]: key its prefix must be a lower-case DNS subdomain/);
    });

    it("accepts the labels kubelet may set in the kubernetes.io namespace and an empty value", function () {
      assert.doesNotThrow(() =>
        renderNodeUserData(
          baseArgs({
            labels: { "node.kubernetes.io/role": "multus", "topology.kubernetes.io/zone": "a", empty: "" },
          }),
        ),
      );
    });

    it("rejects bad cluster settings, each named", function () {
      const message = problemsOf(
        baseArgs({
          clusterName: "",
          apiServerEndpoint: "http://plain",
          certificateAuthority: Buffer.from("not a cert").toString("base64"),
          serviceCidr: "172.20.0.0",
          maxPods: 0,
        }),
      );
      for (const setting of [
        "clusterName",
        "apiServerEndpoint",
        "certificateAuthority",
        "serviceCidr",
        "maxPods",
      ]) {
        assert.match(message, new RegExp(`^  - ${setting}: `, "m"), `${setting} is named`);
      }
    });

    it("collects every problem into one Error, one line each", function () {
      const message = problemsOf(
        baseArgs({
          maxPods: 1000,
          labels: { "a b": "c" },
          networks: [{ name: "x", deviceIndex: 0, interfaceName: "ens6" }],
        }),
      );
      assert.equal(message.split("\n")[0], "Invalid node user data settings:");
      assert.equal(message.split("\n").filter((line) => line.startsWith("  - ")).length, 4);
    });

    it("refuses an extra script that pushes it over EC2's limit, naming the script and its size", function () {
      const message = problemsOf(
        baseArgs({
          // Random text: the user data is gzip-compressed when over the limit, so filler must not compress.
          extraBootstrapScript: `#!/bin/bash\n# ${randomBytes(MAX_USER_DATA_BYTES).toString("base64")}\n`,
        }),
      );
      assert.match(
        message,
        /extraBootstrapScript: the user data would be \d+ bytes even gzip-compressed, over EC2's 16384-byte limit \(your script is \d+ bytes of it\)/,
      );
    });

    it("gzips a document over the limit, and leaves a smaller one as plain text", function () {
      const small = renderNodeUserData(baseArgs());
      assert.equal(userDataPayload(small).toString("utf8"), small);
      const large = renderNodeUserData(
        baseArgs({ extraBootstrapScript: `#!/bin/bash\n# ${"x".repeat(MAX_USER_DATA_BYTES)}\n` }),
      );
      const payload = userDataPayload(large);
      assert.ok(payload.length < MAX_USER_DATA_BYTES, `${payload.length} bytes`);
      assert.equal(gunzipSync(payload).toString("utf8"), large);
    });

    it("rejects an extra script without #! or containing the MIME boundary", function () {
      const message = problemsOf(baseArgs({ extraBootstrapScript: `echo hi\n--${MIME_BOUNDARY}\n` }));
      assert.match(message, /extraBootstrapScript: must start with a "#!" line/);
      assert.match(message, /extraBootstrapScript: must not contain the MIME boundary/);
    });
  });
});

/**
 * Reads the node files object a stack run uploads (the BucketObjectv2's contentBase64) with GNU
 * tar, an independent reader of the archive format: files, modes and contents as a node gets them.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resourcesOfType, type OfflineRun } from "./offline";

export interface ExtractedFile {
  mode: string;
  owner: string;
  content: string;
}

/** node path -> mode string as `tar -tv` prints it (e.g. -rwxr-xr-x), owner and content. */
export function readTarGz(bytes: Buffer): Map<string, ExtractedFile> {
  const dir = mkdtempSync(join(tmpdir(), "node-bundle-"));
  try {
    const archive = join(dir, "bundle.tar.gz");
    writeFileSync(archive, bytes);
    const listing = spawnSync(
      "tar",
      ["--list", "--verbose", "--gzip", "--numeric-owner", "--file", archive],
      {
        encoding: "utf8",
      },
    );
    if (listing.status !== 0) throw new Error(`tar --list failed: ${listing.stderr}`);
    const root = join(dir, "root");
    spawnSync("mkdir", [root]);
    const extract = spawnSync("tar", ["--extract", "--gzip", "--file", archive, "--directory", root], {
      encoding: "utf8",
    });
    if (extract.status !== 0) throw new Error(`tar --extract failed: ${extract.stderr}`);
    const files = new Map<string, ExtractedFile>();
    for (const line of listing.stdout.trim().split("\n")) {
      const fields = line.split(/\s+/);
      const name = fields[fields.length - 1];
      files.set(`/${name}`, {
        mode: fields[0],
        owner: fields[1],
        content: readFileSync(join(root, name), "utf8"),
      });
    }
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The node files object of a stack run, extracted. */
export function uploadedNodeFiles(run: OfflineRun): Map<string, ExtractedFile> {
  const objects = resourcesOfType(run, "aws:s3/bucketObjectv2:BucketObjectv2");
  if (objects.length !== 1) throw new Error(`expected one node files object, found ${objects.length}`);
  return readTarGz(Buffer.from(String(objects[0].inputs.contentBase64), "base64"));
}

/**
 * The extended resources a node of the stack advertises (what multus-eks-untaint patches into its
 * Node's status), read from the node config of every node files object the stack uploads.
 */
export function advertisedVpcIpResources(run: OfflineRun): Record<string, string> {
  const advertised: Record<string, string> = {};
  for (const object of resourcesOfType(run, "aws:s3/bucketObjectv2:BucketObjectv2")) {
    const files = readTarGz(Buffer.from(String(object.inputs.contentBase64), "base64"));
    const config = JSON.parse(files.get("/etc/multus-eks/node-config.json")?.content ?? "{}") as {
      networks?: { resourceName?: string; podsPerNode?: number }[];
    };
    for (const network of config.networks ?? []) {
      if (network.resourceName) advertised[network.resourceName] = String(network.podsPerNode);
    }
  }
  return advertised;
}

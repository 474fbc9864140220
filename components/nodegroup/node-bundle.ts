/**
 * The node files as ONE object: a gzip'd POSIX tar (ustar) of the rootfs tree plus the generated
 * node config, which the stack uploads to S3 and each node fetches at boot and checks against the
 * sha256 baked into its user data. Pure and deterministic (same files, same bytes, same digest),
 * so an unchanged tree never replaces the object or the launch template.
 *
 * Files only, no directory entries (extracting over / must not touch the modes of /etc or /usr),
 * owner root (uid/gid 0), mtime 0.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { NODE_CONFIG_PATH, NodeConfig, renderNodeConfig } from "./node-config";
import { NodeFile, readRootfs } from "./rootfs";

/** The list of shipped node paths, one a line (multus-node-activate enables units from it). */
export const NODE_FILES_LIST_PATH = "/etc/multus-eks/node-files.list";
/** Object keys are content-addressed: the digest is in the key as well as in the user data. */
export const NODE_FILES_KEY_PREFIX = "node-files/";

export interface NodeBundle {
  readonly files: readonly NodeFile[];
  /** The .tar.gz bytes. */
  readonly content: Buffer;
  /** Hex sha256 of `content`. */
  readonly sha256: string;
  /** S3 object key: node-files/<sha256>.tar.gz */
  readonly key: string;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function tarHeader(name: string, mode: number, size: number): Buffer {
  const header = Buffer.alloc(BLOCK, 0);
  if (Buffer.byteLength(name) > 100) {
    throw new Error(`node files: path "${name}" is longer than 100 bytes; keep node file paths short`);
  }
  header.write(name, 0, 100, "utf8");
  header.write(octal(mode, 8), 100, 8, "ascii");
  header.write(octal(0, 8), 108, 8, "ascii"); // uid
  header.write(octal(0, 8), 116, 8, "ascii"); // gid
  header.write(octal(size, 12), 124, 12, "ascii");
  header.write(octal(0, 12), 136, 12, "ascii"); // mtime
  header.write("        ", 148, 8, "ascii"); // checksum placeholder: spaces
  header.write("0", 156, 1, "ascii"); // regular file
  header.write("ustar\0", 257, 6, "ascii");
  header.write("00", 263, 2, "ascii");
  header.write("root", 265, 32, "ascii");
  header.write("root", 297, 32, "ascii");
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return header;
}

/** A ustar archive of `files` (relative names, no leading slash). */
export function tarArchive(files: readonly NodeFile[]): Buffer {
  const chunks: Buffer[] = [];
  for (const file of files) {
    chunks.push(tarHeader(file.path.replace(/^\/+/, ""), file.mode, file.content.length), file.content);
    const padding = (BLOCK - (file.content.length % BLOCK)) % BLOCK;
    chunks.push(Buffer.alloc(padding, 0));
  }
  chunks.push(Buffer.alloc(2 * BLOCK, 0));
  return Buffer.concat(chunks);
}

/** The node files of a stack: the rootfs tree, its node config and the list of shipped paths. */
export function nodeBundleFiles(config: NodeConfig, rootfs: readonly NodeFile[] = readRootfs()): NodeFile[] {
  const generated = new Set([NODE_CONFIG_PATH, NODE_FILES_LIST_PATH]);
  const clash = rootfs.find((file) => generated.has(file.path));
  if (clash) throw new Error(`node files: ${clash.path} is generated; remove it from the rootfs tree`);
  const withConfig: NodeFile[] = [
    ...rootfs,
    { path: NODE_CONFIG_PATH, mode: 0o644, content: Buffer.from(renderNodeConfig(config), "utf8") },
  ];
  const list = [...withConfig.map((file) => file.path), NODE_FILES_LIST_PATH].sort();
  const files = [
    ...withConfig,
    {
      path: NODE_FILES_LIST_PATH,
      mode: 0o644 as const,
      content: Buffer.from(`${list.join("\n")}\n`, "utf8"),
    },
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function nodeBundle(config: NodeConfig, rootfs?: readonly NodeFile[]): NodeBundle {
  const files = nodeBundleFiles(config, rootfs);
  const content = gzipSync(tarArchive(files), { level: 9 });
  const sha256 = createHash("sha256").update(content).digest("hex");
  return { files, content, sha256, key: `${NODE_FILES_KEY_PREFIX}${sha256}.tar.gz` };
}

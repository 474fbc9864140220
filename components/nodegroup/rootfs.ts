/**
 * The node files: everything under ./rootfs lands on every node at the same path (CONTRACTS item 1).
 * Executables are the files under usr/local/sbin, usr/local/bin and opt/cni/bin (0755); the rest
 * are 0644. The files are read from disk, never generated: linters, udevadm and systemd-analyze
 * check exactly what the node runs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";

export const ROOTFS_DIRECTORY = join(__dirname, "rootfs");

const EXECUTABLE_DIRECTORIES = ["/usr/local/sbin/", "/usr/local/bin/", "/opt/cni/bin/"];

/**
 * What running the tests or an editor leaves in the tree (Python's bytecode cache from the tests
 * that import the vpc-ip plugin, swap and backup files). Never shipped: it would change the
 * bundle's digest, hence the launch template, depending on what last ran in the checkout.
 */
const LOCAL_ARTIFACT = /(^|\/)(__pycache__\/|\.[^/]*\.swp$|[^/]*~$|[^/]*\.py[co]$)/;

/** True for a path under the rootfs tree that is a local artifact, not a node file. */
export function isLocalArtifact(relativePath: string): boolean {
  return LOCAL_ARTIFACT.test(relativePath);
}

export interface NodeFile {
  /** Absolute path on the node, e.g. /usr/local/sbin/multus-eni-setup. */
  readonly path: string;
  readonly mode: 0o755 | 0o644;
  readonly content: Buffer;
}

/** The mode a node file gets, from its path alone. */
export function nodeFileMode(path: string): 0o755 | 0o644 {
  return EXECUTABLE_DIRECTORIES.some((directory) => path.startsWith(directory)) ? 0o755 : 0o644;
}

/** Every file under `directory` (default: the repository's rootfs), sorted by node path. */
export function readRootfs(directory: string = ROOTFS_DIRECTORY): NodeFile[] {
  const files = readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const onDisk = join(entry.parentPath, entry.name);
      return { onDisk, path: posix.join("/", onDisk.slice(directory.length).split("\\").join("/")) };
    })
    .filter(({ path }) => !isLocalArtifact(path))
    .map(({ onDisk, path }) => ({ path, mode: nodeFileMode(path), content: readFileSync(onDisk) }));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The node path of a rootfs file, on this machine (for tests and linters). */
export function rootfsSource(nodePath: string): string {
  return join(ROOTFS_DIRECTORY, nodePath);
}

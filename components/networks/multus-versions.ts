/**
 * The Multus thick-plugin images this program knows, with what each one's published manifest needs.
 * A tag that is not here is refused in validation unless the user also gives the init command
 * (multusInitCommand): copying a binary the image does not have makes the init container fail on
 * every node, and nothing short of a real node would tell.
 *
 * Read from the manifests the Amazon VPC CNI publishes per EKS build
 * (config/multus/<tag>/multus-daemonset-thick.yml). All three copy only multus-shim, in exec form
 * (no shell): `passthru` first shipped upstream in v4.2.1, and whether the EKS images have `sh` is
 * unknown.
 */

/** Where the binaries live inside the Multus image. */
export const MULTUS_IMAGE_BIN_DIRECTORY = "/usr/src/multus-cni/bin";
/** Where the init container sees the node's CNI bin directory. */
export const INIT_CNI_BIN_DIRECTORY = "/host/opt/cni/bin";

export interface MultusVersion {
  /** Binaries the init container copies from the image into the node's CNI bin directory. */
  readonly binaries: readonly string[];
  /** The init container's command, exec form. */
  readonly initCommand: readonly string[];
  /** The daemon container's command, exec form. */
  readonly daemonCommand: readonly string[];
}

const copyShimOnly: MultusVersion = {
  binaries: ["multus-shim"],
  initCommand: ["cp", `${MULTUS_IMAGE_BIN_DIRECTORY}/multus-shim`, `${INIT_CNI_BIN_DIRECTORY}/multus-shim`],
  daemonCommand: [`${MULTUS_IMAGE_BIN_DIRECTORY}/multus-daemon`],
};

/** By image tag (the EKS builds: `eks/multus-cni:<tag>`). */
export const KNOWN_MULTUS_VERSIONS: Readonly<Record<string, MultusVersion>> = {
  "v4.0.2-eksbuild.1_thick": copyShimOnly,
  "v4.1.4-eksbuild.1_thick": copyShimOnly,
  "v4.1.4-eksbuild.3_thick": copyShimOnly,
};

/**
 * What the manifest for `tag` needs; with an explicit init command, that command (and the known
 * daemon command). Undefined when the tag is unknown and no init command is given.
 */
export function multusVersionFor(tag: string, initCommand?: readonly string[]): MultusVersion | undefined {
  const known = KNOWN_MULTUS_VERSIONS[tag];
  if (initCommand && initCommand.length > 0) {
    return {
      binaries: known?.binaries ?? [],
      initCommand: [...initCommand],
      daemonCommand: known?.daemonCommand ?? copyShimOnly.daemonCommand,
    };
  }
  return known;
}

/** Network namespaces and links the tests create (and remove) with iproute2. */
import { execFileSync } from "child_process";
import * as fs from "fs";

export const CNI_PLUGIN_DIRECTORY = "/usr/lib/cni";
export const HOST_LOCAL = `${CNI_PLUGIN_DIRECTORY}/host-local`;

export function hostLocalAvailable(): boolean {
  return fs.existsSync(HOST_LOCAL);
}

export function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8" });
}

/** Unique names per test run, short enough for interface names too. */
export function uniqueName(stem: string): string {
  return `${stem}${process.pid % 10000}${Math.floor(Math.random() * 1000)}`;
}

export class Namespaces {
  private readonly names: string[] = [];

  add(stem: string): string {
    const name = uniqueName(stem);
    ip("netns", "add", name);
    this.names.push(name);
    return name;
  }

  path(name: string): string {
    return `/var/run/netns/${name}`;
  }

  removeAll(): void {
    for (const name of this.names.splice(0)) {
      try {
        ip("netns", "delete", name);
      } catch {
        // already gone
      }
    }
  }
}

export function macOf(namespace: string, link: string): string {
  const shown = JSON.parse(ip("-j", "-n", namespace, "link", "show", link)) as { address: string }[];
  return shown[0].address;
}

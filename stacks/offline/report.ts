/**
 * Text rendering of an offline run: the subnet layout as an AZ × role table, resources grouped by
 * parent and type, and the outputs with secrets masked.
 */
import { StackSettings } from "../config/settings";
import { RecordedResource } from "./engine";

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (cell ?? "").padEnd(widths[column]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

export function renderSubnetLayout(settings: StackSettings): string {
  const columns = ["public", "private", ...settings.networks.map((network) => network.name)];
  const rows = settings.availabilityZones.map((zone) => [
    zone,
    ...columns.map((column) => {
      const subnet = settings.layout.subnets.find(
        (candidate) =>
          candidate.availabilityZone === zone &&
          (candidate.role === column || (candidate.role === "multus" && candidate.network === column)),
      );
      return subnet ? `${subnet.cidr}${subnet.source === "explicit" ? " *" : ""}` : "-";
    }),
  ]);
  const networks = settings.networks.map((network) => [
    network.name,
    String(network.deviceIndex),
    network.interfaceName,
    `${network.cni}/${network.mode}`,
    network.ipam,
    network.subnets.map((subnet) => `${subnet.rangeStart}-${subnet.rangeEnd.split(".").pop()}`).join(", "),
  ]);
  return [
    `VPC ${settings.vpcCidr} (* = explicit CIDR)`,
    table(["AZ", ...columns], rows),
    "",
    "Multus networks",
    table(["network", "device", "interface", "cni", "ipam", "host-local range per AZ"], networks),
  ].join("\n");
}

export function renderResources(resources: readonly RecordedResource[]): string {
  const byParent = new Map<string, RecordedResource[]>();
  for (const resource of resources) {
    const parent = resource.parent ?? "(stack)";
    byParent.set(parent, [...(byParent.get(parent) ?? []), resource]);
  }
  const lines: string[] = [`${resources.length} resources`];
  const render = (parent: string, depth: number): void => {
    const children = byParent.get(parent) ?? [];
    const byType = new Map<string, RecordedResource[]>();
    for (const child of children) byType.set(child.type, [...(byType.get(child.type) ?? []), child]);
    for (const [type, group] of [...byType.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const names = group.map((resource) => resource.name);
      lines.push(`${"  ".repeat(depth)}${type} ×${group.length}: ${names.join(", ")}`);
      for (const resource of group) {
        const key = `${resource.type}::${resource.name}`;
        if (byParent.has(key)) render(key, depth + 1);
      }
    }
  };
  render("(stack)", 1);
  return lines.join("\n");
}

function mask(value: unknown, key: string): unknown {
  if (/kubeconfig/i.test(key)) return "[secret]";
  if (Array.isArray(value)) return value.map((item) => mask(item, ""));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, mask(item, name)]));
  }
  return value;
}

export function renderOutputs(outputs: Record<string, unknown>): string {
  return Object.entries(outputs)
    .filter(([key]) => key !== "subnetCidrs")
    .map(([key, value]) => `${key}: ${JSON.stringify(mask(value, key))}`)
    .join("\n");
}

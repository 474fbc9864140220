/**
 * Kubernetes resource quantities as the Multus daemon settings take them: CPU in cores or
 * millicores ("1", "0.5", "250m"), memory in bytes with a binary or decimal suffix ("384Mi", "1G").
 */

export type QuantityKind = "cpu" | "memory";

const CPU = /^(\d+(\.\d+)?)(m?)$/;
const MEMORY = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_FACTOR: Record<string, number> = {
  "": 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** The quantity's value (cores, or bytes), or a problem text naming the expected form. */
export function quantityProblem(text: unknown, kind: QuantityKind): { value?: number; problem?: string } {
  const source = typeof text === "string" ? text : String(text);
  if (kind === "cpu") {
    const match = CPU.exec(source);
    const value = match ? Number(match[1]) / (match[3] === "m" ? 1000 : 1) : 0;
    if (!match || value <= 0) return { problem: `"${source}" is not a CPU quantity such as 100m or 1` };
    return { value };
  }
  const match = MEMORY.exec(source);
  const value = match ? Number(match[1]) * MEMORY_FACTOR[match[2] ?? ""] : 0;
  if (!match || value <= 0) return { problem: `"${source}" is not a memory quantity such as 384Mi or 1Gi` };
  return { value };
}

/**
 * Collects every configuration problem so that one run reports them all, each naming the
 * setting and what to change.
 */
import { settingKey } from "./schema";

export interface ConfigProblem {
  /** Fully qualified key, e.g. `multus-eks:vpcCidr` or `multus-eks:networks[1].rangeEnd`. */
  readonly setting: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((problem) => `  - ${problem.setting}: ${problem.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

export class Problems {
  private readonly collected: ConfigProblem[] = [];

  /** `setting` is a project setting name (qualified here) or an already qualified key like `aws:region`. */
  add(setting: string, message: string): void {
    // Qualified keys start with a namespace (`aws:`, `multus-eks:`); a setting's path may hold a
    // colon further on (`tags.aws:reserved`) and is still the project's.
    this.collected.push({ setting: /^[a-z0-9-]+:/.test(setting) ? setting : settingKey(setting), message });
  }

  get count(): number {
    return this.collected.length;
  }

  throwIfAny(): void {
    if (this.collected.length > 0) throw new ConfigError([...this.collected]);
  }
}

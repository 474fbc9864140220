/**
 * A stack file's config as the program sees it: project keys stripped of their namespace, plus
 * aws:region. (Free of Pulumi imports: preflight reads settings without loading the engine.)
 */
import { RawConfig } from "../config/reader";
import { PROJECT_NAME } from "../config/schema";
import { StackFile } from "./stack-file";

export function rawConfig(file: StackFile): RawConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.config)) {
    if (key.startsWith(`${PROJECT_NAME}:`)) raw[key.slice(PROJECT_NAME.length + 1)] = value;
    else if (key === "aws:region") raw[key] = value;
  }
  return raw;
}

export { ConfigError } from "./problems";
export type { ConfigProblem } from "./problems";
export { parseSettings, REGION_KEY } from "./parse";
export type { RawConfig } from "./reader";
export { PROJECT_NAME, SETTINGS, settingKey } from "./schema";
export type { StackSettings } from "./settings";

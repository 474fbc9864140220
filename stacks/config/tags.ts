import { LAMBDA_OWNED_TAG_KEYS } from "../../components/model/tags";
import { Problems } from "./problems";
import { SettingReader } from "./reader";

/** The `tags` setting: a map of AWS tag keys to string values. */
export function readTags(read: SettingReader, problems: Problems): Record<string, string> {
  const raw = read.get("tags");
  const tags: Record<string, string> = {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    problems.add("tags", "must be a map of tag keys to string values");
    return tags;
  }
  for (const [key, value] of Object.entries(raw)) {
    const valid =
      typeof value === "string" &&
      key.length > 0 &&
      key.length <= 128 &&
      value.length <= 256 &&
      !key.toLowerCase().startsWith("aws:");
    if (LAMBDA_OWNED_TAG_KEYS.includes(key)) {
      problems.add(
        `tags.${key}`,
        "is set by the ENI-attach Lambda on every Multus ENI (the program owns its value): remove it from tags",
      );
    } else if (valid) {
      tags[key] = value;
    } else {
      problems.add(
        `tags.${key}`,
        "tag keys are 1-128 characters not starting with aws:, values strings of at most 256",
      );
    }
  }
  return tags;
}

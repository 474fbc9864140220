/**
 * The day-2 part of an offline plan, read back from the recorded resources (not from the settings),
 * so it shows what `pulumi up` would really send: each node group's instance refresh, the startup
 * taint in its nodes' NodeConfig, the ENI Lambdas' alarms and where they go.
 */
import { gunzipSync } from "zlib";
import YAML from "yaml";
import { MIME_BOUNDARY, NODE_CONFIG_CONTENT_TYPE } from "../../components/nodegroup/userdata";
import { RecordedResource } from "./engine";

type Inputs = Record<string, unknown>;

/** The NodeConfig document inside a launch template's base64 user data. */
export function nodeConfigOfUserData(userDataBase64: string): Inputs | undefined {
  const bytes = Buffer.from(userDataBase64, "base64");
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
  const part = text
    .split(`--${MIME_BOUNDARY}`)
    .find((chunk) => chunk.includes(`Content-Type: ${NODE_CONFIG_CONTENT_TYPE}`));
  if (!part) return undefined;
  const body = part.slice(part.indexOf("\n\n") + 2);
  return YAML.parse(body) as Inputs;
}

function sibling(
  resources: readonly RecordedResource[],
  of: RecordedResource,
  type: string,
): RecordedResource | undefined {
  return resources.find((candidate) => candidate.type === type && candidate.parent === of.parent);
}

export function renderDay2(resources: readonly RecordedResource[]): string {
  const lines: string[] = ["Node groups (instance refresh, startup taint)"];
  for (const group of resources.filter((resource) => resource.type === "aws:autoscaling/group:Group")) {
    const inputs = group.inputs;
    const refresh = inputs.instanceRefresh as { strategy?: string; preferences?: Inputs } | undefined;
    const preferences = refresh?.preferences ?? {};
    lines.push(
      `  ${String(inputs.name)}: desired ${String(inputs.desiredCapacity)}, min ${String(inputs.minSize)}, max ${String(inputs.maxSize)}`,
      refresh
        ? `    refresh: ${refresh.strategy ?? "?"}, min healthy ${String(preferences.minHealthyPercentage)} %, max healthy ${String(preferences.maxHealthyPercentage)} %, warm-up ${String(preferences.instanceWarmup)} s, skip matching ${String(preferences.skipMatching)} (on every new launch template version)`
        : "    refresh: none",
    );
    const template = sibling(resources, group, "aws:ec2/launchTemplate:LaunchTemplate");
    const userData = template?.inputs.userData;
    const nodeConfig = typeof userData === "string" ? nodeConfigOfUserData(userData) : undefined;
    const kubelet = (nodeConfig?.spec as Inputs | undefined)?.kubelet as Inputs | undefined;
    const taints = ((kubelet?.config as Inputs | undefined)?.registerWithTaints ?? []) as Inputs[];
    lines.push(
      `    nodes register with taints: ${taints.length > 0 ? taints.map((taint) => `${String(taint.key)}=${String(taint.value ?? "")}:${String(taint.effect)}`).join(", ") : "none"}`,
    );
  }
  const policies = resources.filter((resource) => resource.type.endsWith("ValidatingAdmissionPolicy"));
  for (const policy of policies) {
    const validations = ((policy.inputs.spec as Inputs | undefined)?.validations ?? []) as Inputs[];
    lines.push(
      `  taint removal: ValidatingAdmissionPolicy ${String((policy.inputs.metadata as Inputs).name)} (${validations.length} rules: ${validations.map((rule) => String(rule.message)).join("; ")})`,
    );
  }

  lines.push("", "Alarms");
  const topics = resources.filter((resource) => resource.type === "aws:sns/topic:Topic");
  const subscriptions = resources.filter(
    (resource) => resource.type === "aws:sns/topicSubscription:TopicSubscription",
  );
  for (const topic of topics) {
    lines.push(
      `  topic ${String(topic.inputs.name)}: ${subscriptions.length > 0 ? subscriptions.map((item) => `${String(item.inputs.protocol)} ${String(item.inputs.endpoint)}`).join(", ") : "no subscriber"}`,
    );
  }
  for (const filter of resources.filter(
    (resource) => resource.type === "aws:cloudwatch/logMetricFilter:LogMetricFilter",
  )) {
    const metric = filter.inputs.metricTransformation as Inputs;
    lines.push(
      `  metric filter ${String(filter.inputs.name)}: ${String(filter.inputs.pattern)} -> ${String(metric.namespace)}/${String(metric.name)}`,
    );
  }
  for (const config of resources.filter(
    (resource) => resource.type === "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  )) {
    const onFailure = (
      (config.inputs.destinationConfig as Inputs | undefined)?.onFailure as Inputs | undefined
    )?.destination;
    lines.push(
      `  ${String(config.inputs.functionName)}: failed async invocations -> ${String(onFailure ?? "nowhere")}`,
    );
  }
  for (const alarm of resources.filter(
    (resource) => resource.type === "aws:cloudwatch/metricAlarm:MetricAlarm",
  )) {
    const inputs = alarm.inputs;
    lines.push(
      `  alarm ${String(inputs.name)}: ${String(inputs.statistic)} of ${String(inputs.namespace)} ${String(inputs.metricName)} >= ${String(inputs.threshold)} in ${String(inputs.period)} s -> ${(inputs.alarmActions as string[] | undefined)?.join(", ") ?? "nobody"}`,
    );
  }
  return lines.join("\n");
}

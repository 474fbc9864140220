/**
 * Classifies what EventBridge delivered: an Auto Scaling lifecycle action (launch or terminate),
 * the scheduled sweep, or something this Lambda does not handle.
 */

export const LAUNCH_DETAIL_TYPE = "EC2 Instance-launch Lifecycle Action";
export const TERMINATE_DETAIL_TYPE = "EC2 Instance-terminate Lifecycle Action";
export const LAUNCH_TRANSITION = "autoscaling:EC2_INSTANCE_LAUNCHING";
export const TERMINATE_TRANSITION = "autoscaling:EC2_INSTANCE_TERMINATING";
export const SCHEDULED_SOURCE = "aws.events";
export const SCHEDULED_DETAIL_TYPE = "Scheduled Event";

/** The fields of an EventBridge event this Lambda reads. */
export interface IncomingEvent {
  source?: string;
  "detail-type"?: string;
  detail?: unknown;
}

export interface LifecycleAction {
  instanceId: string;
  autoScalingGroupName: string;
  lifecycleHookName: string;
  lifecycleActionToken: string;
  /** "WarmPool" when the instance goes to (or comes from) a warm pool; kept for the logs. */
  origin?: string;
  destination?: string;
}

export type ClassifiedEvent =
  | { kind: "launch"; action: LifecycleAction }
  | { kind: "terminate"; action: LifecycleAction }
  | { kind: "sweep" }
  | { kind: "ignored"; reason: string };

function field(detail: Record<string, unknown>, name: string): string | undefined {
  const value = detail[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function lifecycleAction(detail: Record<string, unknown>): LifecycleAction | string {
  const instanceId = field(detail, "EC2InstanceId");
  const autoScalingGroupName = field(detail, "AutoScalingGroupName");
  const lifecycleHookName = field(detail, "LifecycleHookName");
  const lifecycleActionToken = field(detail, "LifecycleActionToken");
  if (!instanceId || !autoScalingGroupName || !lifecycleHookName || !lifecycleActionToken) {
    return "lifecycle event without EC2InstanceId, AutoScalingGroupName, LifecycleHookName or LifecycleActionToken";
  }
  return {
    instanceId,
    autoScalingGroupName,
    lifecycleHookName,
    lifecycleActionToken,
    origin: field(detail, "Origin"),
    destination: field(detail, "Destination"),
  };
}

/**
 * Warm pools: a launch into the warm pool (Destination "WarmPool") is handled like any launch. ENIs
 * stay attached while a warm instance is stopped, so they follow it into service; the second launch
 * action when it leaves the pool finds them already attached and only completes the action.
 */
export function classifyEvent(event: IncomingEvent): ClassifiedEvent {
  if (event.source === SCHEDULED_SOURCE && event["detail-type"] === SCHEDULED_DETAIL_TYPE) {
    return { kind: "sweep" };
  }
  const detail = event.detail;
  if (typeof detail !== "object" || detail === null) {
    return {
      kind: "ignored",
      reason: `event without detail (source ${event.source}, detail-type ${event["detail-type"]})`,
    };
  }
  const record = detail as Record<string, unknown>;
  const transition = record.LifecycleTransition;
  if (transition !== LAUNCH_TRANSITION && transition !== TERMINATE_TRANSITION) {
    // EventBridge also sends a TEST_NOTIFICATION when a hook is created: nothing to do.
    return { kind: "ignored", reason: `unhandled lifecycle transition ${String(transition)}` };
  }
  const action = lifecycleAction(record);
  if (typeof action === "string") return { kind: "ignored", reason: action };
  return { kind: transition === LAUNCH_TRANSITION ? "launch" : "terminate", action };
}

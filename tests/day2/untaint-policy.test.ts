/**
 * The ValidatingAdmissionPolicy that narrows the startup-taint remover, evaluated with a real CEL
 * engine (@bufbuild/cel with the `strings` extension, which Kubernetes' CEL environment also has)
 * on admission requests shaped as the API server builds them: `request.userInfo`, `object` (the
 * Node after the patch) and `oldObject`.
 */
import { strict as assert } from "node:assert";
import { run } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import {
  STARTUP_TAINT_KEY,
  UNTAINT_GROUP,
  untaintAdmissionPolicy,
} from "../../components/nodegroup/startup-taint";

interface Policy {
  spec: { matchConditions: { expression: string }[]; validations: { expression: string; message: string }[] };
}

const INSTANCE = "i-0123456789abcdef0";
const SESSION = `arn:aws-cn:sts::123456789012:assumed-role/multus-untaint-0123456789abcdef/${INSTANCE}`;
const OTHER = { key: "dedicated", value: "telco", effect: "NoSchedule" };
const STARTUP = { key: STARTUP_TAINT_KEY, effect: "NoSchedule" };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON objects as CEL maps (the engine reads JS Maps as maps). */
function cel(value: Json): unknown {
  if (Array.isArray(value)) return value.map(cel);
  if (value !== null && typeof value === "object") {
    return new Map(Object.entries(value).map(([key, item]) => [key, cel(item)]));
  }
  return value;
}

function nodeWith(
  changes: {
    taints?: Json[];
    labels?: Record<string, string>;
    unschedulable?: boolean;
    providerID?: string;
  } = {},
) {
  return {
    metadata: { name: "ip-10-0-2-15", labels: changes.labels ?? { "multus-eks/node-group": "multus" } },
    spec: {
      providerID: changes.providerID ?? `aws:///cn-northwest-1a/${INSTANCE}`,
      taints: changes.taints ?? [OTHER, STARTUP],
      ...(changes.unschedulable === undefined ? {} : { unschedulable: changes.unschedulable }),
    },
  };
}

/** Denial messages for an update by `username` from `oldObject` to `object`; [] means admitted. */
function denials(
  oldObject: Json,
  object: Json,
  username = SESSION,
  groups = [UNTAINT_GROUP, "system:authenticated"],
) {
  const policy = untaintAdmissionPolicy() as unknown as Policy;
  const vars = {
    request: cel({ userInfo: { username, groups } }),
    object: cel(object),
    oldObject: cel(oldObject),
  } as Record<string, unknown>;
  const evaluate = (expression: string) => {
    const result = run(expression, vars as never, { funcs: strings });
    if (typeof result !== "boolean") throw new Error(`${expression} gave ${String(result)}`);
    return result;
  };
  if (!policy.spec.matchConditions.every((condition) => evaluate(condition.expression)))
    return ["(not matched)"];
  return policy.spec.validations.filter((rule) => !evaluate(rule.expression)).map((rule) => rule.message);
}

describe("startup-taint admission policy (CEL)", () => {
  it("admits the remover taking the startup taint off its own node", () => {
    assert.deepEqual(denials(nodeWith(), nodeWith({ taints: [OTHER] })), []);
    // The startup taint as the only taint: spec.taints becomes empty.
    assert.deepEqual(denials(nodeWith({ taints: [STARTUP] }), nodeWith({ taints: [] })), []);
  });

  it("denies removing any other taint, or keeping the startup taint while changing taints", () => {
    assert.ok(denials(nodeWith(), nodeWith({ taints: [] })).some((message) => /only remove/.test(message)));
    assert.ok(denials(nodeWith(), nodeWith({ taints: [STARTUP] })).length > 0);
    assert.ok(denials(nodeWith({ taints: [STARTUP] }), nodeWith({ taints: [STARTUP, OTHER] })).length > 0);
  });

  it("denies the change on another instance's node", () => {
    const otherSession = SESSION.replace(INSTANCE, "i-0fffffffffffffff0");
    assert.ok(
      denials(nodeWith(), nodeWith({ taints: [OTHER] }), otherSession).some((message) =>
        /its own instance/.test(message),
      ),
    );
  });

  it("denies label and cordon changes", () => {
    assert.ok(denials(nodeWith(), nodeWith({ taints: [OTHER], labels: { role: "x" } })).length > 0);
    assert.ok(denials(nodeWith(), nodeWith({ taints: [OTHER], unschedulable: true })).length > 0);
  });

  it("leaves everyone else's node updates alone", () => {
    assert.deepEqual(
      denials(nodeWith(), nodeWith({ taints: [] }), "system:node:ip-10-0-2-15", ["system:nodes"]),
      ["(not matched)"],
    );
  });
});

/** Every preflight check, in the order of the summary table. */
import type { Check } from "../types";
import { credentialsChecks } from "./credentials";
import { deploymentChecks } from "./deployment";
import { imageChecks } from "./images";
import { instanceTypeChecks } from "./instance-type";
import { kubernetesChecks } from "./kubernetes";
import { machineChecks } from "./machine";
import { quotaChecks } from "./quotas";
import { zoneChecks } from "./zones";

export const ALL_CHECKS: readonly Check[] = [
  ...credentialsChecks,
  ...zoneChecks,
  ...kubernetesChecks,
  ...instanceTypeChecks,
  ...imageChecks,
  ...quotaChecks,
  ...machineChecks,
  ...deploymentChecks,
];

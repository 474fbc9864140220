/** Every verify check, in the order of the summary table. */
import type { Check } from "../../preflight/types";
import type { VerifyContext } from "../context";
import { awsChecks } from "./aws";
import { kubernetesChecks } from "./kubernetes";

export const VERIFY_CHECKS: readonly Check<VerifyContext>[] = [...kubernetesChecks, ...awsChecks];

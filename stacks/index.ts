/**
 * Pulumi entry point: `pulumi up --stack ningxia` (or beijing, or any stack file).
 * Validates the whole configuration before declaring anything.
 */
import { loadSettings } from "./config/load";
import { buildStack } from "./program";

const outputs = buildStack(loadSettings());

export = outputs;

// The pack's entry point: constructing the PolicyPack starts the analyzer server, so this file does
// nothing else. The policies live in ./rules, which the offline gate and the tests import.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("multus-eks", { policies: [...policies] });

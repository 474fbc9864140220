/**
 * Every policy of the multus-eks pack. The pack's entry file (policies/index.ts) only hands this
 * list to `new PolicyPack`, which starts the analyzer server; the offline gate and the tests import
 * this module instead, so they never start a server.
 */
import type { Policies } from "@pulumi/policy";
import { chinaPartition } from "./china-partition";
import { hostLocalSingleNode } from "./host-local-single-node";
import { multusEniNoManage } from "./multus-eni-no-manage";
import { nadRangeInSubnet } from "./nad-range-in-subnet";
import { ebsEncryption } from "./security/ebs-encryption";
import { eksControlPlaneLogging } from "./security/eks-control-plane-logging";
import { eksEndpointAccess } from "./security/eks-endpoint-access";
import { eksSecretsEncryption } from "./security/eks-secrets-encryption";
import { imdsv2Required } from "./security/imdsv2-required";
import { lambdaRoleEc2Scope } from "./security/lambda-role-ec2-scope";
import { noWorldOpenIngress } from "./security/no-world-open-ingress";
import { subnetsNoOverlap } from "./subnets-no-overlap";

export const POLICY_PACK_NAME = "multus-eks";

export const policies: Policies = [
  multusEniNoManage,
  subnetsNoOverlap,
  nadRangeInSubnet,
  hostLocalSingleNode,
  chinaPartition,
  imdsv2Required,
  noWorldOpenIngress,
  ebsEncryption,
  lambdaRoleEc2Scope,
  eksControlPlaneLogging,
  eksEndpointAccess,
  eksSecretsEncryption,
];

import { cidrProblem } from "../../components/model/cidr";
import { Problems } from "./problems";

/** Records a problem for every entry of a CIDR list setting that is not a canonical IPv4 CIDR. */
export function checkCidrList(problems: Problems, setting: string, cidrs: readonly string[]): void {
  cidrs.forEach((cidr, index) => {
    const problem = cidrProblem(cidr);
    if (problem) problems.add(`${setting}[${index}]`, problem);
  });
}

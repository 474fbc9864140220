"""Validates objects against a CRD's openAPIV3Schema with jsonschema.

stdin: {"schema": <openAPIV3Schema>, "objects": [...]}; stdout: a list of error lists, one per
object. Objects whose schema lists `properties` are treated as closed (additionalProperties false,
unless x-kubernetes-preserve-unknown-fields), since the API server prunes unknown fields silently.
"""

import json
import sys

import jsonschema


def closed(schema):
    if not isinstance(schema, dict):
        return schema
    out = {k: v for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    if "properties" in out:
        out["properties"] = {k: closed(v) for k, v in out["properties"].items()}
        if not schema.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in out:
            out["additionalProperties"] = False
    if isinstance(out.get("items"), dict):
        out["items"] = closed(out["items"])
    return out


def main():
    request = json.load(sys.stdin)
    validator = jsonschema.Draft4Validator(closed(request["schema"]))
    report = []
    for obj in request["objects"]:
        report.append(
            ["/".join(str(p) for p in error.absolute_path) + ": " + error.message for error in validator.iter_errors(obj)]
        )
    json.dump(report, sys.stdout)


main()

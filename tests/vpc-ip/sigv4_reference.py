"""Signs the same EC2 requests with the multus-vpc-ip plugin's SigV4 signer and with botocore's
(the reference), and prints one JSON line per case with both Authorization headers.
Run with the test virtualenv's python (botocore pinned in tests/support/moto-requirements.txt)."""

import datetime
import importlib.machinery
import importlib.util
import json
import sys
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

loader = importlib.machinery.SourceFileLoader("multus_vpc_ip", sys.argv[1])
spec = importlib.util.spec_from_loader("multus_vpc_ip", loader)
plugin = importlib.util.module_from_spec(spec)
loader.exec_module(plugin)

CASES = [
    ("https://ec2.cn-northwest-1.amazonaws.com.cn/", "cn-northwest-1", True,
     {"Action": "AssignPrivateIpAddresses", "Version": "2016-11-15", "NetworkInterfaceId": "eni-0abc",
      "PrivateIpAddress.1": "10.0.4.70"}),
    ("https://ec2.cn-north-1.amazonaws.com.cn/", "cn-north-1", False,
     {"Action": "UnassignPrivateIpAddresses", "Version": "2016-11-15", "NetworkInterfaceId": "eni-1",
      "PrivateIpAddress.1": "10.0.6.10", "PrivateIpAddress.2": "10.0.6.11"}),
    ("https://ec2.us-west-2.amazonaws.com/", "us-west-2", True,
     {"Action": "DescribeNetworkInterfaces", "Version": "2016-11-15", "NetworkInterfaceId.1": "eni-2"}),
    ("http://127.0.0.1:40123/", "cn-northwest-1", True,
     {"Action": "DescribeNetworkInterfaces", "Version": "2016-11-15", "Filter.1.Name": "tag:a b/c",
      "Filter.1.Value.1": "x=y&z~*"}),
]
WHEN = [datetime.datetime(2026, 12, 2, 7, 30, 5, tzinfo=datetime.timezone.utc),
        datetime.datetime(2027, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)]

for url, region, with_token, params in CASES:
    for now in WHEN:
        secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        token = "IQoJb3JpZ2luX2VjEXAMPLE/session+token=" if with_token else None
        body = urllib.parse.urlencode(params).encode("utf-8")
        ours = plugin.sigv4_headers("POST", url, body, region, "ec2",
                                    {"key": "ASIAEXAMPLE", "secret": secret, "token": token}, now)
        request = AWSRequest(method="POST", url=url, data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        auth = SigV4Auth(Credentials("ASIAEXAMPLE", secret, token), "ec2", region)
        # botocore's own add_auth steps, with the timestamp fixed instead of read from the clock.
        request.context["timestamp"] = now.strftime("%Y%m%dT%H%M%SZ")
        auth._modify_request_before_signing(request)
        canonical = auth.canonical_request(request)
        signature = auth.signature(auth.string_to_sign(request, canonical), request)
        auth._inject_signature_to_request(request, signature)
        print(json.dumps({"url": url, "action": params["Action"], "at": now.isoformat(),
                          "ours": ours["authorization"], "botocore": request.headers["Authorization"],
                          "tokenHeader": ours.get("x-amz-security-token") == request.headers.get("X-Amz-Security-Token")}))


class StubImds:
    """Instance metadata of a node in Beijing and in a global region."""

    def __init__(self, region, domain):
        self.values = {"placement/region": region, "services/domain": domain}

    def get(self, key):
        return self.values[key]


for region, domain in [("cn-north-1", "amazonaws.com.cn"), ("eu-west-1", "amazonaws.com")]:
    print(json.dumps({"region": region, "domain": domain, "endpoint": plugin.Ec2(StubImds(region, domain)).endpoint}))

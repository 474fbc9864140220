// The fake IMDSv2 server behaves like IMDS where the node script and the IPAM plugin rely on it.

import { strict as assert } from "node:assert";
import { eniMetadataTree, FakeImds, FakeImdsOptions, startFakeImds } from "../support/fake-imds";

const TREE = eniMetadataTree([
  { mac: "02:00:00:00:00:05", deviceNumber: 0, subnetIpv4CidrBlock: "10.0.2.0/24" },
  {
    mac: "02:00:00:00:00:06",
    deviceNumber: 1,
    subnetIpv4CidrBlock: "10.0.4.0/24",
    ipv4Prefix: ["10.0.4.16/28"],
  },
]);

describe("fake IMDSv2 server (tests/support/fake-imds.ts)", function () {
  let imds: FakeImds | undefined;
  const start = async (options: Partial<FakeImdsOptions> = {}) =>
    (imds = await startFakeImds({ tree: TREE, ...options }));
  afterEach(async () => {
    await imds?.close();
    imds = undefined;
  });

  const token = async (server: FakeImds, ttl: string | null = "60") => {
    const headers: Record<string, string> =
      ttl === null ? {} : { "X-aws-ec2-metadata-token-ttl-seconds": ttl };
    return fetch(`${server.endpoint}/latest/api/token`, { method: "PUT", headers });
  };
  const get = (server: FakeImds, path: string, sessionToken?: string) =>
    fetch(`${server.endpoint}/latest/meta-data/${path}`, {
      headers: sessionToken === undefined ? {} : { "X-aws-ec2-metadata-token": sessionToken },
    });

  it("issues a token only for a PUT with a TTL of 1 to 21600 seconds", async () => {
    const server = await start();
    assert.equal((await token(server, null)).status, 400);
    assert.equal((await token(server, "0")).status, 400);
    assert.equal((await token(server, "21601")).status, 400);
    assert.equal((await fetch(`${server.endpoint}/latest/api/token`)).status, 405);
    const ok = await token(server, "21600");
    assert.equal(ok.status, 200);
    assert.ok((await ok.text()).length > 10);
  });

  it("answers 401 to a GET without a token or with an unknown one", async () => {
    const server = await start();
    assert.equal((await get(server, "mac")).status, 401);
    assert.equal((await get(server, "mac", "made-up")).status, 401);
    const session = await (await token(server)).text();
    const primary = await get(server, "mac", session);
    assert.equal(primary.status, 200);
    assert.equal(await primary.text(), "02:00:00:00:00:05");
  });

  it("serves per-ENI keys, lists directories like IMDS and answers 404 for an absent key", async () => {
    const server = await start();
    const session = await (await token(server)).text();
    assert.equal(
      await (await get(server, "network/interfaces/macs/", session)).text(),
      "02:00:00:00:00:05/\n02:00:00:00:00:06/",
    );
    assert.equal(
      await (await get(server, "network/interfaces/macs/02:00:00:00:00:06/device-number", session)).text(),
      "1",
    );
    assert.equal(
      await (await get(server, "network/interfaces/macs/02:00:00:00:00:06/ipv4-prefix", session)).text(),
      "10.0.4.16/28",
    );
    assert.equal(
      await (
        await get(server, "network/interfaces/macs/02:00:00:00:00:06/subnet-ipv4-cidr-block", session)
      ).text(),
      "10.0.4.0/24",
    );
    assert.equal(
      (await get(server, "network/interfaces/macs/02:00:00:00:00:05/ipv4-prefix", session)).status,
      404,
    );
  });

  it("hides a path for its first K GETs, then serves it; setTree changes what is served", async () => {
    const path = "network/interfaces/macs/02:00:00:00:00:06/device-number";
    const server = await start({ hiddenForFirstRequests: { [path]: 2 } });
    const session = await (await token(server)).text();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(server, path, session)).status);
    assert.deepEqual(statuses, [404, 404, 200]);
    assert.equal(server.getCount(path), 3);

    server.setTree(eniMetadataTree([{ mac: "02:00:00:00:00:06", deviceNumber: 4 }]));
    assert.equal(await (await get(server, path, session)).text(), "4");
  });

  it("can refuse tokens (IMDSv2 blocked) and reject the first tokens it issued (expired)", async () => {
    const refusing = await start({ tokenRefusalStatus: 403 });
    assert.equal((await token(refusing)).status, 403);
    await refusing.close();

    const expiring = await start({ firstTokensRejected: 1 });
    const first = await (await token(expiring)).text();
    const second = await (await token(expiring)).text();
    assert.equal((await get(expiring, "mac", first)).status, 401);
    assert.equal((await get(expiring, "mac", second)).status, 200);
  });
});

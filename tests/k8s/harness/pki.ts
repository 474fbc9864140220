/**
 * The certificates and keys a throw-away control plane needs, made with the openssl CLI: a CA, the
 * API server's serving certificate (loopback and the in-cluster names) and the service-account
 * signing key pair. Clients authenticate with tokens, so no client certificates are made.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ClusterPki {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPublicKey: string;
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Writes the PKI into `dir`; `serviceIp` is the `kubernetes` Service's address (first of the range). */
export function makePki(dir: string, serviceIp: string): ClusterPki {
  const path = (name: string) => join(dir, name);
  const pki: ClusterPki = {
    caCert: path("ca.crt"),
    caKey: path("ca.key"),
    serverCert: path("apiserver.crt"),
    serverKey: path("apiserver.key"),
    serviceAccountKey: path("sa.key"),
    serviceAccountPublicKey: path("sa.pub"),
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    ["req", "-x509", ...ec, "-keyout", pki.caKey, "-out", pki.caCert, "-days", "2"].concat([
      "-subj",
      "/CN=multus-eks-test-ca",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
    ]),
  );
  const names = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"];
  const extensions = path("apiserver.ext");
  writeFileSync(
    extensions,
    [
      `subjectAltName=IP:127.0.0.1,IP:${serviceIp},${names.map((name) => `DNS:${name}`).join(",")}`,
      "extendedKeyUsage=serverAuth",
      "keyUsage=critical,digitalSignature",
    ].join("\n") + "\n",
  );
  const csr = path("apiserver.csr");
  openssl(["req", ...ec, "-keyout", pki.serverKey, "-out", csr, "-subj", "/CN=kube-apiserver"]);
  openssl(
    ["x509", "-req", "-in", csr, "-CA", pki.caCert, "-CAkey", pki.caKey, "-CAcreateserial"].concat([
      "-out",
      pki.serverCert,
      "-days",
      "2",
      "-extfile",
      extensions,
    ]),
  );
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", pki.serviceAccountKey]);
  openssl(["ec", "-in", pki.serviceAccountKey, "-pubout", "-out", pki.serviceAccountPublicKey]);
  return pki;
}

/**
 * The format of a PKI directory as `lienthong pki init` (devkit/pki.ts) writes it and the local
 * PKCS#12 organ signers (shared/signing/organ-signers.ts) read it: types only, so that production
 * code reads the format without importing the dev kit that writes it.
 */

/** Key types a demo PKI can issue. */
export type DemoKeyType = "rsa-2048" | "rsa-3072" | "rsa-4096" | "ec-p256" | "ec-p384";

/** `manifest.json` of a written demo PKI; paths are relative to its directory. */
export interface DemoPkiManifest {
  readonly password: string;
  readonly root: string;
  readonly intermediate: string;
  /** Intermediate then root, PEM: the chain to hand to verifiers as untrusted certificates. */
  readonly chain: string;
  readonly crls: readonly {
    readonly issuer: "root" | "intermediate";
    readonly path: string;
    readonly url: string;
  }[];
  readonly tsa: { readonly certificate: string; readonly key: string };
  readonly ocsp: { readonly certificate: string; readonly key: string; readonly url: string };
  readonly entries: readonly {
    readonly id: string;
    readonly role: "person" | "organisation";
    readonly organCode: string;
    readonly organName: string;
    readonly commonName: string;
    readonly keyType: DemoKeyType;
    readonly p12: string;
    readonly certificate: string;
    readonly revoked: boolean;
    readonly serialNumberHex: string;
    readonly sha256: string;
  }[];
}

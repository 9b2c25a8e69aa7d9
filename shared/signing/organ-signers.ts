import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Signer } from "../cms/ports.ts";
import { ExchangeError } from "../errors/index.ts";
import { parseCertificates } from "../pki/certificate.ts";
import type { DemoPkiManifest } from "../pki/pki-directory.ts";
import { type KmsSignClient, KmsSigner } from "./kms-signer.ts";
import { SoftwareSigner } from "./software-signer.ts";

/** Finds the organisation ("seal") signer of an organ. Keys never leave the Signer. */
export interface OrganSigners {
  /** Throws FORBIDDEN when the organ has no signing key here. */
  signerFor(organCode: string): Promise<Signer>;
}

/**
 * Organ keys in AWS KMS: each organ's key id and certificate chain are looked up (in the
 * exchange's table, through `lookup`); the signature is made by `kms:Sign` over the digest.
 */
export class KmsOrganSigners implements OrganSigners {
  constructor(
    private readonly client: KmsSignClient,
    private readonly lookup: (
      organCode: string,
    ) => Promise<{ kmsKeyId?: string; certificatesPem: string } | undefined>,
    /** The deployment's own signing key, for an organ whose record names none. */
    private readonly defaultKeyId?: string,
  ) {}

  async signerFor(organCode: string): Promise<Signer> {
    const record = await this.lookup(organCode);
    const keyId = record?.kmsKeyId ?? this.defaultKeyId;
    if (!record || !keyId) {
      throw noKey(organCode);
    }
    let certificates: ReturnType<typeof parseCertificates>;
    try {
      certificates = parseCertificates(record.certificatesPem);
    } catch (cause) {
      // The exchange's configuration is broken, not the caller's request.
      throw new ExchangeError("INTERNAL", {
        detail: `the signing certificates of ${organCode} cannot be read`,
        cause,
      });
    }
    const [certificate, ...chain] = certificates;
    if (!certificate) {
      throw noKey(organCode);
    }
    return new KmsSigner({ client: this.client, keyId, certificate, chain });
  }
}

/**
 * Software keys from a demo PKI directory (`lienthong pki init`, or the one `npm start` makes):
 * the organ's `organisation` PKCS#12 listed in `manifest.json`. For local runs and tests only.
 */
export class Pkcs12OrganSigners implements OrganSigners {
  private manifest: Promise<DemoPkiManifest> | undefined;
  private readonly signers = new Map<string, Promise<Signer>>();

  constructor(private readonly pkiDir: string) {}

  signerFor(organCode: string): Promise<Signer> {
    let signer = this.signers.get(organCode);
    if (!signer) {
      signer = this.load(organCode);
      signer.catch(() => this.signers.delete(organCode));
      this.signers.set(organCode, signer);
    }
    return signer;
  }

  private async load(organCode: string): Promise<Signer> {
    this.manifest ??= readFile(join(this.pkiDir, "manifest.json"), "utf8").then(
      (text) => JSON.parse(text) as DemoPkiManifest,
    );
    const manifest = await this.manifest;
    const entry = manifest.entries.find(
      (candidate) =>
        candidate.organCode === organCode && candidate.role === "organisation" && !candidate.revoked,
    );
    if (!entry) {
      throw noKey(organCode);
    }
    return SoftwareSigner.fromPkcs12(await readFile(join(this.pkiDir, entry.p12)), manifest.password);
  }
}

function noKey(organCode: string): ExchangeError {
  return new ExchangeError("FORBIDDEN", { detail: `organ ${organCode} has no signing key on this exchange` });
}

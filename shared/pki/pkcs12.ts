/**
 * PKCS#12 (RFC 7292) read and write with node:crypto for every primitive. node-forge is used only
 * for RC2, which OpenSSL 3 keeps in its legacy provider (old Windows exports encrypt certificates
 * with pbeWithSHAAnd40BitRC2-CBC).
 *
 * Writing follows OpenSSL 3's defaults, so files open with `openssl pkcs12` without `-legacy`:
 * PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC) for the key and the certificates, and an
 * HMAC-SHA-256 MAC. RSA and EC keys take the same path (the key travels as PKCS#8).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  type KeyObject,
  pbkdf2Sync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import forge from "node-forge";
import {
  bytesToHex,
  children,
  concatBytes,
  type DerElement,
  DerError,
  decodeDer,
  decodeOid,
  decodeSmallInteger,
  decodeString,
  encodeBmpString,
  encodeExplicit,
  encodeImplicit,
  encodeInteger,
  encodeNull,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeSetOf,
  expectTag,
  octetStringValue,
  TAG,
} from "../asn1/der.ts";
import { OID } from "../asn1/oids.ts";

/** One private key found in a PKCS#12 file, decrypted to PKCS#8 PrivateKeyInfo DER. */
export interface Pkcs12KeyEntry {
  readonly pkcs8Der: Uint8Array;
  /** Lowercase hex of the localKeyId attribute, when present. */
  readonly localKeyId?: string;
  readonly friendlyName?: string;
}

/** One certificate found in a PKCS#12 file. */
export interface Pkcs12CertificateEntry {
  readonly der: Uint8Array;
  readonly localKeyId?: string;
  readonly friendlyName?: string;
}

/** The decrypted contents of a PKCS#12 file, in file order. */
export interface Pkcs12Contents {
  readonly keys: readonly Pkcs12KeyEntry[];
  readonly certificates: readonly Pkcs12CertificateEntry[];
}

/** Thrown for a MAC mismatch or a decryption failure: a wrong password, most of the time. */
export class Pkcs12PasswordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Pkcs12PasswordError";
  }
}

const HASHES: Readonly<Record<string, { readonly name: string; readonly u: number; readonly v: number }>> = {
  [OID.sha1]: { name: "sha1", u: 20, v: 64 },
  [OID.sha256]: { name: "sha256", u: 32, v: 64 },
  [OID.sha384]: { name: "sha384", u: 48, v: 128 },
  [OID.sha512]: { name: "sha512", u: 64, v: 128 },
};

const PRFS: Readonly<Record<string, string>> = {
  [OID.hmacWithSha1]: "sha1",
  [OID.hmacWithSha224]: "sha224",
  [OID.hmacWithSha256]: "sha256",
  [OID.hmacWithSha384]: "sha384",
  [OID.hmacWithSha512]: "sha512",
};

const PBES2_CIPHERS: Readonly<Record<string, { readonly name: string; readonly keyLength: number }>> = {
  [OID.aes128Cbc]: { name: "aes-128-cbc", keyLength: 16 },
  [OID.aes192Cbc]: { name: "aes-192-cbc", keyLength: 24 },
  [OID.aes256Cbc]: { name: "aes-256-cbc", keyLength: 32 },
  [OID.desEde3Cbc]: { name: "des-ede3-cbc", keyLength: 24 },
};

/**
 * Decrypts a PKCS#12 file: checks the MAC (RFC 7292 §5.1), then decrypts every SafeContents and
 * shrouded key bag. Throws {@link Pkcs12PasswordError} for a wrong password, {@link DerError}
 * or `Error` for a malformed or unsupported file.
 *
 * @example
 * const { keys, certificates } = readPkcs12(fs.readFileSync("signer.p12"), "secret");
 */
export function readPkcs12(bytes: Uint8Array, password: string): Pkcs12Contents {
  // PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
  const pfx = children(expectTag(decodeDer(bytes, { ber: true }), TAG.SEQUENCE, "PFX"), { ber: true });
  const version = decodeSmallInteger(expectTag(pfx[0], TAG.INTEGER, "PFX version"));
  if (version !== 3) {
    throw new DerError(`PFX version ${version}, expected 3`);
  }
  const authSafe = readContentInfo(expectTag(pfx[1], TAG.SEQUENCE, "authSafe"));
  if (authSafe.contentType !== OID.data || !authSafe.content) {
    throw new DerError(
      `authSafe content type ${authSafe.contentType}, expected data (password integrity mode)`,
    );
  }
  const authSafeBytes = octetStringValue(authSafe.content);
  if (pfx[2]) {
    verifyMac(pfx[2], authSafeBytes, password);
  }

  const keys: Pkcs12KeyEntry[] = [];
  const certificates: Pkcs12CertificateEntry[] = [];
  const safes = children(decodeDer(authSafeBytes, { ber: true }), { ber: true });
  for (const safe of safes) {
    const info = readContentInfo(safe);
    let safeContents: Uint8Array;
    if (info.contentType === OID.data && info.content) {
      safeContents = octetStringValue(info.content);
    } else if (info.contentType === OID.encryptedData && info.content) {
      safeContents = decryptEncryptedData(info.content, password);
    } else {
      throw new DerError(`unsupported AuthenticatedSafe content type ${info.contentType}`);
    }
    for (const bag of children(decodeDer(safeContents, { ber: true }), { ber: true })) {
      readSafeBag(bag, password, keys, certificates);
    }
  }
  return { keys, certificates };
}

interface ContentInfo {
  readonly contentType: string;
  readonly content?: DerElement;
}

/** ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY OPTIONAL } (RFC 5652 §3) */
function readContentInfo(element: DerElement): ContentInfo {
  const [type, explicit] = children(element, { ber: true });
  const contentType = decodeOid(type as DerElement);
  if (!explicit) {
    return { contentType };
  }
  const content = children(expectTag(explicit, 0xa0, "ContentInfo content"), { ber: true })[0];
  return content ? { contentType, content } : { contentType };
}

/** MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 } */
function verifyMac(macData: DerElement, data: Uint8Array, password: string): void {
  const [digestInfo, saltElement, iterationsElement] = children(macData, { ber: true });
  const [algorithm, digest] = children(expectTag(digestInfo, TAG.SEQUENCE, "DigestInfo"));
  const hashOid = decodeOid(children(algorithm as DerElement)[0] as DerElement);
  const hash = HASHES[hashOid];
  if (!hash) {
    throw new DerError(`unsupported MAC digest ${hashOid}`);
  }
  const salt = octetStringValue(expectTag(saltElement, TAG.OCTET_STRING, "macSalt"));
  const iterations = iterationsElement ? decodeSmallInteger(iterationsElement) : 1;
  const expected = octetStringValue(expectTag(digest, TAG.OCTET_STRING, "MAC"));
  // RFC 7292 Appendix B.4: the MAC key is derived with ID 3 and as many bytes as the hash output.
  const key = pkcs12Kdf(hashOid, password, salt, 3, iterations, hash.u);
  const actual = createHmac(hash.name, key).update(data).digest();
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new Pkcs12PasswordError("the PKCS#12 MAC does not verify (wrong password or damaged file)");
  }
}

/** EncryptedData ::= SEQUENCE { version, EncryptedContentInfo } (RFC 5652 §8) */
function decryptEncryptedData(element: DerElement, password: string): Uint8Array {
  const [, encryptedContentInfo] = children(element, { ber: true });
  const [, algorithm, encrypted] = children(
    expectTag(encryptedContentInfo, TAG.SEQUENCE, "EncryptedContentInfo"),
    {
      ber: true,
    },
  );
  if (!algorithm || !encrypted) {
    throw new DerError("EncryptedContentInfo without algorithm or content");
  }
  // encryptedContent [0] IMPLICIT OCTET STRING: primitive (0x80) or BER-constructed (0xa0).
  return decryptPbe(algorithm, octetStringValue(encrypted), password);
}

/** SafeBag ::= SEQUENCE { bagId, bagValue [0] EXPLICIT, bagAttributes SET OF PKCS12Attribute OPTIONAL } */
function readSafeBag(
  bag: DerElement,
  password: string,
  keys: Pkcs12KeyEntry[],
  certificates: Pkcs12CertificateEntry[],
): void {
  const [idElement, valueWrapper, attributesElement] = children(bag, { ber: true });
  const bagId = decodeOid(idElement as DerElement);
  const value = children(expectTag(valueWrapper, 0xa0, "bagValue"), { ber: true })[0] as DerElement;
  const attributes = attributesElement ? readBagAttributes(attributesElement) : {};
  if (bagId === OID.pkcs8ShroudedKeyBag) {
    // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING } (RFC 5958 §3)
    const [algorithm, data] = children(value, { ber: true });
    const pkcs8Der = decryptPbe(algorithm as DerElement, octetStringValue(data as DerElement), password);
    keys.push({ pkcs8Der, ...attributes });
    return;
  }
  if (bagId === OID.keyBag) {
    keys.push({ pkcs8Der: new Uint8Array(value.bytes), ...attributes });
    return;
  }
  if (bagId === OID.certBag) {
    // CertBag ::= SEQUENCE { certId, certValue [0] EXPLICIT } ; x509Certificate: OCTET STRING of DER
    const [certId, certValue] = children(value, { ber: true });
    if (decodeOid(certId as DerElement) !== OID.x509Certificate) {
      return;
    }
    const octets = children(expectTag(certValue, 0xa0, "certValue"), { ber: true })[0] as DerElement;
    certificates.push({ der: new Uint8Array(octetStringValue(octets)), ...attributes });
  }
  // CRL, secret and nested safe-contents bags carry nothing a signer needs.
}

function readBagAttributes(element: DerElement): { localKeyId?: string; friendlyName?: string } {
  const out: { localKeyId?: string; friendlyName?: string } = {};
  for (const attribute of children(element, { ber: true })) {
    const [type, values] = children(attribute, { ber: true });
    const first = values ? children(values, { ber: true })[0] : undefined;
    if (!type || !first) {
      continue;
    }
    const oid = decodeOid(type);
    if (oid === OID.localKeyId) {
      out.localKeyId = bytesToHex(octetStringValue(first));
    } else if (oid === OID.friendlyName) {
      out.friendlyName = decodeString(first);
    }
  }
  return out;
}

/** Decrypts with a PBES2 (RFC 8018 §6.2) or PKCS#12 PBE (RFC 7292 Appendix C) AlgorithmIdentifier. */
function decryptPbe(algorithm: DerElement, data: Uint8Array, password: string): Uint8Array {
  const [oidElement, params] = children(expectTag(algorithm, TAG.SEQUENCE, "AlgorithmIdentifier"));
  const oid = decodeOid(oidElement as DerElement);
  if (!params) {
    throw new DerError(`encryption algorithm ${oid} without parameters`);
  }
  if (oid === OID.pbes2) {
    const [kdf, scheme] = children(params);
    const [kdfOid, kdfParams] = children(kdf as DerElement);
    if (decodeOid(kdfOid as DerElement) !== OID.pbkdf2 || !kdfParams) {
      throw new DerError("PBES2 with a key derivation other than PBKDF2");
    }
    const [schemeOid, ivElement] = children(scheme as DerElement);
    const cipher = PBES2_CIPHERS[decodeOid(schemeOid as DerElement)];
    if (!cipher || !ivElement) {
      throw new DerError("PBES2 with an unsupported encryption scheme");
    }
    // PBKDF2-params ::= SEQUENCE { salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }
    const kdfFields = children(kdfParams);
    const salt = octetStringValue(expectTag(kdfFields[0], TAG.OCTET_STRING, "PBKDF2 salt"));
    const iterations = decodeSmallInteger(kdfFields[1] as DerElement);
    const prfElement = kdfFields.slice(2).find((field) => field.tag === TAG.SEQUENCE);
    const prfOid = prfElement ? decodeOid(children(prfElement)[0] as DerElement) : OID.hmacWithSha1;
    const prf = PRFS[prfOid];
    if (!prf) {
      throw new DerError(`PBKDF2 with unsupported PRF ${prfOid}`);
    }
    // RFC 8018 §3: the password is an octet string; OpenSSL passes UTF-8.
    const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, cipher.keyLength, prf);
    return decipher(cipher.name, key, octetStringValue(ivElement), data);
  }
  const [saltElement, iterationsElement] = children(params);
  const salt = octetStringValue(expectTag(saltElement, TAG.OCTET_STRING, "PBE salt"));
  const iterations = decodeSmallInteger(iterationsElement as DerElement);
  const derive = (id: number, length: number): Uint8Array =>
    pkcs12Kdf(OID.sha1, password, salt, id, iterations, length);
  switch (oid) {
    case OID.pbeWithShaAnd3KeyTripleDesCbc:
      return decipher("des-ede3-cbc", derive(1, 24), derive(2, 8), data);
    case OID.pbeWithShaAnd2KeyTripleDesCbc:
      return decipher("des-ede-cbc", derive(1, 16), derive(2, 8), data);
    case OID.pbeWithShaAnd40BitRc2Cbc:
      return decryptRc2(derive(1, 5), derive(2, 8), data, 40);
    case OID.pbeWithShaAnd128BitRc2Cbc:
      return decryptRc2(derive(1, 16), derive(2, 8), data, 128);
    default:
      throw new DerError(`unsupported PKCS#12 encryption algorithm ${oid}`);
  }
}

function decipher(name: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  try {
    const d = createDecipheriv(name, key, iv);
    return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
  } catch (error) {
    if (error instanceof Error && /bad decrypt|wrong final block length/i.test(error.message)) {
      throw new Pkcs12PasswordError("decryption failed (wrong password or damaged file)");
    }
    throw error;
  }
}

function decryptRc2(key: Uint8Array, iv: Uint8Array, data: Uint8Array, bits: number): Uint8Array {
  const cipher = forge.rc2.createDecryptionCipher(forge.util.binary.raw.encode(key), bits);
  cipher.start(forge.util.binary.raw.encode(iv));
  cipher.update(forge.util.createBuffer(forge.util.binary.raw.encode(data)));
  if (!cipher.finish()) {
    throw new Pkcs12PasswordError("RC2 decryption failed (wrong password or damaged file)");
  }
  return forge.util.binary.raw.decode(cipher.output.getBytes());
}

/**
 * The PKCS#12 key derivation function (RFC 7292 Appendix B.2). `id` 1 = key, 2 = IV, 3 = MAC key.
 * The password is a BMPString with a two-byte terminator (Appendix B.1).
 */
export function pkcs12Kdf(
  hashOid: string,
  password: string,
  salt: Uint8Array,
  id: number,
  iterations: number,
  length: number,
): Uint8Array {
  const hash = HASHES[hashOid];
  if (!hash) {
    throw new DerError(`unsupported PKCS#12 KDF digest ${hashOid}`);
  }
  const { u, v } = hash;
  const pass = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    pass[2 * i] = unit >> 8;
    pass[2 * i + 1] = unit & 0xff;
  }
  const fill = (source: Uint8Array): Uint8Array => {
    const out = new Uint8Array(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) {
      out[i] = source[i % source.length] as number;
    }
    return out;
  };
  const d = new Uint8Array(v).fill(id);
  const i = concatBytes([salt.length > 0 ? fill(salt) : new Uint8Array(0), fill(pass)]);
  const blocks: Uint8Array[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let a: Uint8Array = createHash(hash.name).update(d).update(i).digest();
    for (let r = 1; r < iterations; r++) {
      a = createHash(hash.name).update(a).digest();
    }
    blocks.push(a);
    // I_j = (I_j + B + 1) mod 2^(8v), B = A repeated to v bytes.
    const b = fill(a);
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (i[j + k] as number) + (b[k] as number) + carry;
        i[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return concatBytes(blocks).subarray(0, length);
}

/** What {@link writePkcs12} packs. */
export interface Pkcs12WriteOptions {
  readonly privateKey: KeyObject;
  /** The leaf certificate, DER. */
  readonly certificate: Uint8Array;
  /** Issuer certificates, DER, nearest first. Default none. */
  readonly chain?: readonly Uint8Array[];
  readonly password: string;
  /** friendlyName of the key and the leaf. Default none. */
  readonly friendlyName?: string;
  /** PBKDF2 and MAC iterations. Default 2048 (OpenSSL 3's default). */
  readonly iterations?: number;
}

/**
 * Writes a PKCS#12 file that OpenSSL 3 opens without `-legacy`: PBES2/AES-256-CBC with
 * PBKDF2-HMAC-SHA-256 for the shrouded key bag and the certificates, HMAC-SHA-256 MAC,
 * localKeyId = SHA-1 of the leaf certificate (as OpenSSL writes it).
 *
 * @example
 * const p12 = writePkcs12({ privateKey, certificate: cert.der, chain: [ca.der], password: "secret" });
 */
export function writePkcs12(options: Pkcs12WriteOptions): Uint8Array {
  const iterations = options.iterations ?? 2048;
  const localKeyId = createHash("sha1").update(options.certificate).digest();
  const attributes = [encodeSequence(encodeOid(OID.localKeyId), encodeSetOf(encodeOctetString(localKeyId)))];
  if (options.friendlyName !== undefined) {
    attributes.push(
      encodeSequence(encodeOid(OID.friendlyName), encodeSetOf(encodeBmpString(options.friendlyName))),
    );
  }
  const leafAttributes = encodeSetOf(...attributes);

  const certBag = (der: Uint8Array, attrs?: Uint8Array): Uint8Array =>
    encodeSequence(
      encodeOid(OID.certBag),
      encodeExplicit(
        0,
        encodeSequence(encodeOid(OID.x509Certificate), encodeExplicit(0, encodeOctetString(der))),
      ),
      ...(attrs ? [attrs] : []),
    );
  const certContents = encodeSequence(
    certBag(options.certificate, leafAttributes),
    ...(options.chain ?? []).map((der) => certBag(der)),
  );
  const certEncryption = encryptPbes2(certContents, options.password, iterations);
  const encryptedData = encodeSequence(
    encodeOid(OID.encryptedData),
    encodeExplicit(
      0,
      encodeSequence(
        encodeInteger(0),
        encodeSequence(
          encodeOid(OID.data),
          certEncryption.algorithm,
          encodeImplicit(0, certEncryption.ciphertext),
        ),
      ),
    ),
  );

  const pkcs8 = new Uint8Array(options.privateKey.export({ format: "der", type: "pkcs8" }));
  const keyEncryption = encryptPbes2(pkcs8, options.password, iterations);
  const keyBag = encodeSequence(
    encodeOid(OID.pkcs8ShroudedKeyBag),
    encodeExplicit(0, encodeSequence(keyEncryption.algorithm, encodeOctetString(keyEncryption.ciphertext))),
    leafAttributes,
  );
  const keyData = encodeSequence(
    encodeOid(OID.data),
    encodeExplicit(0, encodeOctetString(encodeSequence(keyBag))),
  );

  const authSafe = encodeSequence(encryptedData, keyData);
  const macSalt = randomBytes(8);
  const macKey = pkcs12Kdf(OID.sha256, options.password, macSalt, 3, iterations, 32);
  const mac = createHmac("sha256", macKey).update(authSafe).digest();
  return encodeSequence(
    encodeInteger(3),
    encodeSequence(encodeOid(OID.data), encodeExplicit(0, encodeOctetString(authSafe))),
    encodeSequence(
      encodeSequence(encodeSequence(encodeOid(OID.sha256), encodeNull()), encodeOctetString(mac)),
      encodeOctetString(macSalt),
      encodeInteger(iterations),
    ),
  );
}

/** PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC (RFC 8018 §6.2, Appendix A.2, B.2). */
function encryptPbes2(
  plaintext: Uint8Array,
  password: string,
  iterations: number,
): { readonly algorithm: Uint8Array; readonly ciphertext: Uint8Array } {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const ciphertext = new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final()]));
  const algorithm = encodeSequence(
    encodeOid(OID.pbes2),
    encodeSequence(
      encodeSequence(
        encodeOid(OID.pbkdf2),
        encodeSequence(
          encodeOctetString(salt),
          encodeInteger(iterations),
          encodeSequence(encodeOid(OID.hmacWithSha256), encodeNull()),
        ),
      ),
      encodeSequence(encodeOid(OID.aes256Cbc), encodeOctetString(iv)),
    ),
  );
  return { algorithm, ciphertext };
}

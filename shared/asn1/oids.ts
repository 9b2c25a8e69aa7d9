/**
 * Object identifiers (RFC 5280, RFC 5652, RFC 7292, RFC 8017, RFC 5758, X.520), declared once:
 * pki, cms and verification import these instead of repeating dotted strings (the digest OIDs,
 * SHA-256 among them, live only here).
 */
export const OID = {
  // X.520 attribute types (RFC 5280 §4.1.2.4, Appendix A)
  commonName: "2.5.4.3",
  surname: "2.5.4.4",
  serialNumber: "2.5.4.5",
  countryName: "2.5.4.6",
  localityName: "2.5.4.7",
  stateOrProvinceName: "2.5.4.8",
  streetAddress: "2.5.4.9",
  organizationName: "2.5.4.10",
  organizationalUnitName: "2.5.4.11",
  title: "2.5.4.12",
  givenName: "2.5.4.42",
  organizationIdentifier: "2.5.4.97",
  emailAddress: "1.2.840.113549.1.9.1",
  userId: "0.9.2342.19200300.100.1.1",
  domainComponent: "0.9.2342.19200300.100.1.25",

  // Public keys
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  ecPublicKey: "1.2.840.10045.2.1",
  prime256v1: "1.2.840.10045.3.1.7",
  secp384r1: "1.3.132.0.34",
  secp521r1: "1.3.132.0.35",

  // Signature algorithms (RFC 8017 Appendix A.2.4, RFC 5758 §3.2)
  sha1WithRSAEncryption: "1.2.840.113549.1.1.5",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  sha384WithRSAEncryption: "1.2.840.113549.1.1.12",
  sha512WithRSAEncryption: "1.2.840.113549.1.1.13",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",

  // Digests
  sha1: "1.3.14.3.2.26",
  sha224: "2.16.840.1.101.3.4.2.4",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",

  // Certificate extensions (RFC 5280 §4.2)
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  cRLNumber: "2.5.29.20",
  cRLReason: "2.5.29.21",
  cRLDistributionPoints: "2.5.29.31",
  certificatePolicies: "2.5.29.32",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  ocspNoCheck: "1.3.6.1.5.5.7.48.1.5",

  // Access methods (RFC 5280 §4.2.2.1)
  accessOcsp: "1.3.6.1.5.5.7.48.1",
  accessCaIssuers: "1.3.6.1.5.5.7.48.2",

  // Extended key usages (RFC 5280 §4.2.1.12)
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  ocspSigning: "1.3.6.1.5.5.7.3.9",
  documentSigning: "1.3.6.1.5.5.7.3.36",

  // PKCS#7 / CMS content types (RFC 5652 §4–§8)
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  encryptedData: "1.2.840.113549.1.7.6",

  // PKCS#12 (RFC 7292) and PKCS#5 (RFC 8018)
  keyBag: "1.2.840.113549.1.12.10.1.1",
  pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  pbeWithShaAnd128BitRc4: "1.2.840.113549.1.12.1.1",
  pbeWithShaAnd3KeyTripleDesCbc: "1.2.840.113549.1.12.1.3",
  pbeWithShaAnd2KeyTripleDesCbc: "1.2.840.113549.1.12.1.4",
  pbeWithShaAnd128BitRc2Cbc: "1.2.840.113549.1.12.1.5",
  pbeWithShaAnd40BitRc2Cbc: "1.2.840.113549.1.12.1.6",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacWithSha1: "1.2.840.113549.2.7",
  hmacWithSha224: "1.2.840.113549.2.8",
  hmacWithSha256: "1.2.840.113549.2.9",
  hmacWithSha384: "1.2.840.113549.2.10",
  hmacWithSha512: "1.2.840.113549.2.11",
  aes128Cbc: "2.16.840.1.101.3.4.1.2",
  aes192Cbc: "2.16.840.1.101.3.4.1.22",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  desEde3Cbc: "1.2.840.113549.3.7",
} as const;

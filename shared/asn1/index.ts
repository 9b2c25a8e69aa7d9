/**
 * ASN.1 for Lienthong: the one DER reader and writer (X.690, with tolerant BER reading) and the
 * object identifiers, declared once. No dependency on the rest of the core or on node-forge.
 *
 * @example
 * import { decodeDer, encodeSequence, OID } from "../asn1/index.ts";
 */
export * from "./der.ts";
export { OID } from "./oids.ts";

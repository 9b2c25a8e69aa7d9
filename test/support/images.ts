/**
 * Test images for signature appearances, and PNG helpers to inspect what poppler renders
 * (`pdftoppm -png`). The images are the synthetic demo ones from shared/pdf/appearance.
 */
import { demoSealPng, demoSignaturePng } from "../../devkit/demo-images.ts";
import { decodePng as decodeAppearancePng, type RgbaImage } from "../../shared/pdf/appearance/png.ts";

let signature: Uint8Array | undefined;
let seal: Uint8Array | undefined;

/** A blue handwritten-looking signature, 300 × 120 RGBA PNG on a transparent background (cached). */
export function signatureImage(): Uint8Array {
  signature ??= demoSignaturePng();
  return signature;
}

/** A red round seal with an inner ring and a star, 400 × 400 RGBA PNG on a transparent background (cached). */
export function sealImage(): Uint8Array {
  seal ??= demoSealPng();
  return seal;
}

/**
 * Decodes a PNG to 8-bit RGBA: the production decoder, which the appearance tests check on its own
 * against hand-built PNGs of every colour type.
 */
export function decodePng(bytes: Uint8Array): RgbaImage {
  return decodeAppearancePng(bytes, "test image");
}

/** The RGBA of pixel (x, y), rows top to bottom. */
export function pixelAt(image: RgbaImage, x: number, y: number): readonly [number, number, number, number] {
  const o = (y * image.width + x) * 4;
  return [image.rgba[o]!, image.rgba[o + 1]!, image.rgba[o + 2]!, image.rgba[o + 3]!];
}

/** Seal red: strongly red, little green and blue. */
export function isRed([r, g, b]: readonly number[]): boolean {
  return r! > 150 && g! < 110 && b! < 110;
}

/** Signature blue: strongly blue, little red or green. */
export function isBlue([r, g, b]: readonly number[]): boolean {
  return b! > 120 && r! < 110 && g! < 160 && b! - r! > 60;
}

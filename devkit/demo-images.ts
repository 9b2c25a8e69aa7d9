/**
 * Synthetic demo images for the local runtime and tests: a blue handwritten-looking signature and
 * a red round seal, both on a transparent background. Drawn in code so that no real person's
 * signature or real organisation's seal is ever stored in the project.
 */
import { encodePng } from "../shared/pdf/appearance/png.ts";

type Colour = readonly [number, number, number];

/** Blue ink of the handwritten signature (Decree 30: the signature image is blue). */
export const SIGNATURE_INK: Colour = [20, 50, 170];

/** Red of the seal (Decree 30: the seal image is red). */
export const SEAL_RED: Colour = [215, 25, 32];

/** An RGBA canvas that composites anti-aliased coverage masks ("source over"). */
class Canvas {
  readonly rgba: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgba = new Uint8Array(width * height * 4);
  }

  paint(coverage: Float32Array, colour: Colour): void {
    for (let i = 0; i < coverage.length; i++) {
      const a = coverage[i]!;
      if (a <= 0) {
        continue;
      }
      const o = i * 4;
      const dstA = this.rgba[o + 3]! / 255;
      const outA = a + dstA * (1 - a);
      for (let c = 0; c < 3; c++) {
        const blended = (colour[c]! * a + this.rgba[o + c]! * dstA * (1 - a)) / outA;
        this.rgba[o + c] = Math.round(blended);
      }
      this.rgba[o + 3] = Math.round(outA * 255);
    }
  }

  png(): Uint8Array {
    return encodePng({ width: this.width, height: this.height, rgba: this.rgba });
  }
}

function clamp01(value: number): number {
  return Math.max(0, Math.min(value, 1));
}

/** Coverage of a polyline of the given width (round joins and caps), anti-aliased over one pixel. */
function strokeCoverage(
  width: number,
  height: number,
  points: readonly (readonly [number, number])[],
  lineWidth: number,
): Float32Array {
  const coverage = new Float32Array(width * height);
  const r = lineWidth / 2;
  for (let s = 1; s < points.length; s++) {
    const [ax, ay] = points[s - 1]!;
    const [bx, by] = points[s]!;
    const dx = bx - ax;
    const dy = by - ay;
    const lengthSquared = dx * dx + dy * dy || 1;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + r + 1));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + r + 1));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        const t = clamp01(((px - ax) * dx + (py - ay) * dy) / lengthSquared);
        const distance = Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
        const c = clamp01(r + 0.5 - distance);
        const i = y * width + x;
        if (c > coverage[i]!) {
          coverage[i] = c;
        }
      }
    }
  }
  return coverage;
}

/**
 * A handwritten-looking signature: a cursive run of loops ending in an underline flourish, blue on
 * transparent, `width × height` pixels (default 300 × 120, aspect 2.5 like the signer layout's box).
 *
 * @example
 * const png = demoSignaturePng(); // Uint8Array, image/png
 */
export function demoSignaturePng(width = 300, height = 120): Uint8Array {
  const canvas = new Canvas(width, height);
  const sx = width / 300;
  const sy = height / 120;
  const points: [number, number][] = [];
  // Cursive loops: a prolate trochoid drifting right, with a slowly varying amplitude.
  for (let i = 0; i <= 600; i++) {
    const t = i / 600;
    const phase = t * Math.PI * 2 * 5;
    const x = 22 + 220 * t - 16 * Math.sin(phase);
    const y = 58 - (22 + 8 * Math.sin(t * Math.PI * 3)) * Math.cos(phase) * (0.6 + 0.4 * t);
    points.push([x * sx, y * sy]);
  }
  // Flourish: back under the name, left to right.
  for (let i = 0; i <= 200; i++) {
    const t = i / 200;
    points.push([(242 - 210 * t + 40 * t * t) * sx, (58 + 40 * Math.sin(t * Math.PI * 0.5)) * sy]);
  }
  for (let i = 0; i <= 120; i++) {
    const t = i / 120;
    points.push([(72 + 210 * t) * sx, (98 - 10 * t) * sy]);
  }
  canvas.paint(strokeCoverage(width, height, points, 4 * Math.min(sx, sy)), SIGNATURE_INK);
  return canvas.png();
}

/** Coverage of a ring of radius `radius` and stroke `lineWidth`, centred on (cx, cy). */
function ringCoverage(size: number, cx: number, cy: number, radius: number, lineWidth: number): Float32Array {
  const coverage = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.abs(Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - radius);
      coverage[y * size + x] = clamp01(lineWidth / 2 + 0.5 - d);
    }
  }
  return coverage;
}

/** Whether (x, y) is inside the polygon (even-odd rule). */
function inside(polygon: readonly (readonly [number, number])[], x: number, y: number): boolean {
  let result = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) {
      result = !result;
    }
  }
  return result;
}

/** Coverage of a filled polygon, 4 × 4 supersampled. */
function polygonCoverage(size: number, polygon: readonly (readonly [number, number])[]): Float32Array {
  const coverage = new Float32Array(size * size);
  const xs = polygon.map(([x]) => x);
  const ys = polygon.map(([, y]) => y);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const x1 = Math.min(size - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(size - 1, Math.ceil(Math.max(...ys)));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let hits = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          if (inside(polygon, x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) {
            hits++;
          }
        }
      }
      coverage[y * size + x] = hits / 16;
    }
  }
  return coverage;
}

/**
 * A round seal: outer ring, inner ring, a ring of dots standing in for the lettering, and a
 * five-pointed star in the centre, red on transparent, `size × size` pixels (default 400). The
 * outer ring touches the image edge, so the image width is the seal's diameter.
 *
 * @example
 * const png = demoSealPng(); // Uint8Array, image/png
 */
export function demoSealPng(size = 400): Uint8Array {
  const canvas = new Canvas(size, size);
  const c = size / 2;
  const k = size / 400;
  canvas.paint(ringCoverage(size, c, c, 192 * k, 14 * k), SEAL_RED);
  canvas.paint(ringCoverage(size, c, c, 135 * k, 6 * k), SEAL_RED);
  for (let i = 0; i < 28; i++) {
    const angle = (i / 28) * Math.PI * 2;
    const x = c + 162 * k * Math.cos(angle);
    const y = c + 162 * k * Math.sin(angle);
    // A zero-length stroke with round caps is a dot.
    canvas.paint(
      strokeCoverage(
        size,
        size,
        [
          [x, y],
          [x, y],
        ],
        14 * k,
      ),
      SEAL_RED,
    );
  }
  const star: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    const radius = (i % 2 === 0 ? 90 : 36) * k;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    star.push([c + radius * Math.cos(angle), c + radius * Math.sin(angle)]);
  }
  canvas.paint(polygonCoverage(size, star), SEAL_RED);
  return canvas.png();
}

import { isoDate, ORGAN_CODE } from "./letter-schema.ts";
import { ALL_ORGANS } from "./stats.ts";
import * as z from "./zod.ts"; // zod/mini (zod.ts says why)

/** `GET /v1/stats?from=&to=&organ=`: a period of Vietnam calendar days; `organ` for admins. */
export const statsQuerySchema = z.strictObject({
  from: z.optional(isoDate),
  to: z.optional(isoDate),
  organ: z.optional(
    z
      .string()
      .check(
        z.refine(
          (value) => value === ALL_ORGANS || ORGAN_CODE.test(value),
          `expected an organ code or '${ALL_ORGANS}'`,
        ),
      ),
  ),
});

export type StatsQuery = z.infer<typeof statsQuerySchema>;

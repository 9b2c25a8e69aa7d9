import * as z from "zod"; // not `{ z }`: see letter-schema.ts
import { isoDate, ORGAN_CODE } from "./letter-schema.ts";
import { ALL_ORGANS } from "./stats.ts";

/** `GET /v1/stats?from=&to=&organ=`: a period of Vietnam calendar days; `organ` for admins. */
export const statsQuerySchema = z
  .object({
    from: isoDate.optional(),
    to: isoDate.optional(),
    organ: z
      .string()
      .refine(
        (value) => value === ALL_ORGANS || ORGAN_CODE.test(value),
        `expected an organ code or '${ALL_ORGANS}'`,
      )
      .optional(),
  })
  .strict();

export type StatsQuery = z.infer<typeof statsQuerySchema>;

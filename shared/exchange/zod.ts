/**
 * The request schemas' zod: `zod/mini`, the functional build of zod 4 (same core, same parsing,
 * same issues), because a Lambda builds every schema of a module at import: classic zod's
 * method-per-instance objects and its JSON Schema code cost every light route ~15 ms of cold start
 * and ~60 KB (issue 9). Mini loads no locale by itself, so English, classic zod's default, is
 * registered here unless a locale was configured already; schema modules import zod from here.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

if (!config().localeError) {
  config(en());
}

export * from "zod/mini";

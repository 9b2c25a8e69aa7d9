import { Administration } from "../shared/exchange/administration.ts";
import { lazily } from "./runtime.ts";
import { adminStore } from "./runtime-admin-store.ts";

/** Administration (the directory, keys, certificates, anchors, the send policy): table only. */
export const administration = lazily((): Administration => new Administration({ store: adminStore() }));

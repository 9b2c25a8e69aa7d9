import { vietnamDay } from "../../shared/exchange/event-ports.ts";
import { log } from "../../shared/http/log.ts";
import { audit } from "../runtime-evidence.ts";

/**
 * The daily seal (EventBridge, infra/audit-seal.ts): shortly after midnight Vietnam time it seals
 * the day that just ended, or the day the event names (`{"day": "YYYY-MM-DD"}`, to seal one again).
 */
export async function handler(event: { readonly day?: string; readonly time?: string } = {}) {
  const at = event.time ? new Date(event.time) : new Date();
  const day = event.day ?? vietnamDay(new Date(at.getTime() - 24 * 60 * 60 * 1000));
  const sealed = await audit().seal(day);
  log("info", "audit sealed", { day: sealed.day, count: sealed.count, root: sealed.root });
  return sealed;
}

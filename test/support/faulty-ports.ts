/**
 * Fault injection on the exchange's ports: {@link faultyPorts} wraps an ExchangeLedger and a
 * DocumentStore so that the Nth call to either (counted together, in call order) fails, either
 * before it reaches storage (nothing happened) or after it took effect (its answer was lost: the
 * harder case for a retry). Every call is logged by port and method, so a test can also say which
 * call it failed.
 */
import type { DocumentStore, ExchangeLedger } from "../../shared/exchange/ports.ts";

export class InjectedFault extends Error {
  constructor(readonly call: string) {
    super(`injected fault at ${call}`);
  }
}

export interface FaultPlan {
  /** 1-based index of the call that fails; undefined: none fails. */
  failAt?: number;
  /** `before`: the call does not happen; `after`: it happens, then the caller sees a failure. */
  mode: "before" | "after";
}

export interface FaultyPorts {
  readonly ledger: ExchangeLedger;
  readonly documents: DocumentStore;
  /** Calls so far, e.g. "ledger.putDeliveries", "documents.write". */
  readonly calls: string[];
  /** Arms (or disarms, with undefined) a failure counted from the next call. */
  arm(failAt: number | undefined, mode?: FaultPlan["mode"]): void;
}

export function faultyPorts(ledger: ExchangeLedger, documents: DocumentStore): FaultyPorts {
  const calls: string[] = [];
  const plan: FaultPlan = { mode: "before" };
  let armedAt = 0;
  const wrap = <T extends object>(target: T, port: string): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== "function" || typeof property !== "string") {
          return value;
        }
        return async (...args: unknown[]) => {
          const name = `${port}.${property}`;
          calls.push(name);
          const fails = plan.failAt !== undefined && calls.length - armedAt === plan.failAt;
          if (fails && plan.mode === "before") {
            throw new InjectedFault(name);
          }
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
          if (fails) {
            throw new InjectedFault(name);
          }
          return result;
        };
      },
    });
  return {
    ledger: wrap(ledger, "ledger"),
    documents: wrap(documents, "documents"),
    calls,
    arm(failAt, mode = "before") {
      plan.failAt = failAt;
      plan.mode = mode;
      armedAt = calls.length;
    },
  };
}

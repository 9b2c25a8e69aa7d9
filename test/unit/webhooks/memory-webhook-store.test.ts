import { MemoryWebhookStore } from "./memory-webhook-store.ts";
import { describeWebhookStoreContract } from "./webhook-store-contract.ts";

describeWebhookStoreContract("in memory (unit tests)", () => new MemoryWebhookStore());

import { isExchangeError } from "../shared/errors/index.ts";
import { type ApiReply, toProblem } from "../shared/http/index.ts";

/**
 * Runs a route's logic and answers a refusal whose ExchangeError carries `meta.problem` as its
 * problem document with those extension members added (RFC 9457 §3.2), e.g. the verification of
 * a send the policy refused. Standard members (`code`, `status`, `messages`…) come from the one
 * mapping in `shared/http` and win over extensions; a 5xx is never extended.
 *
 * `shared/http`'s `toProblem` passes only `errors` on; until it passes extension members itself,
 * routes whose refusals carry data answer them through this.
 */
export async function withProblemExtensions(
  requestId: string,
  logic: () => Promise<ApiReply>,
): Promise<ApiReply> {
  try {
    return await logic();
  } catch (error) {
    const extensions = isExchangeError(error) ? error.meta?.["problem"] : undefined;
    if (typeof extensions !== "object" || extensions === null) {
      throw error;
    }
    const problem = toProblem(error, requestId);
    if (problem.status >= 500) {
      throw error;
    }
    return {
      status: problem.status,
      contentType: "application/problem+json; charset=utf-8",
      body: Buffer.from(JSON.stringify({ ...extensions, ...problem }), "utf8"),
    };
  }
}

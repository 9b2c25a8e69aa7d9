import { Duration, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { RouteDefinition } from "../functions/routes.ts";
import type { ProfileSettings, ThrottleOptions } from "./profile.ts";

/** Options of {@link ExchangeApi}. */
export interface ExchangeApiProps {
  readonly settings: ProfileSettings;
  /** Origins allowed by CORS (the clerks' web page); none: no CORS preflight. */
  readonly webOrigins: readonly string[];
  /** Stage throttling. Default: the profile's. */
  readonly throttle?: ThrottleOptions;
}

/**
 * Access log line, JSON, with HTTP API `$context` variables only. No headers, no query strings:
 * they may carry API keys or presigned signatures.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: "$context.requestId",
  time: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  integrationStatus: "$context.integration.status",
  integrationError: "$context.integrationErrorMessage",
};

/**
 * The API Gateway HTTP API (payload format 2.0): a `$default` stage with auto-deploy, throttling and
 * JSON access logs, and one Lambda proxy route per {@link RouteDefinition}.
 *
 * Authorisation is not done by API Gateway: every handler authenticates the `Authorization: Bearer`
 * API key itself (middleware in `shared/http`), because keys map to organs and roles in the table.
 *
 * @example
 * const api = new ExchangeApi(stack, "Api", { settings, webOrigins: [] });
 * api.addRoute(route, fn);
 */
export class ExchangeApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ExchangeApiProps) {
    super(scope, id);
    const { settings } = props;

    this.httpApi = new HttpApi(this, "HttpApi", {
      description: "Lienthong: exchange of signed official letters",
      // The $default stage is made below, to configure throttling and access logs.
      createDefaultStage: false,
      corsPreflight:
        props.webOrigins.length === 0
          ? undefined
          : {
              allowOrigins: [...props.webOrigins],
              allowMethods: [
                CorsHttpMethod.GET,
                CorsHttpMethod.POST,
                CorsHttpMethod.PUT,
                CorsHttpMethod.DELETE,
              ],
              allowHeaders: ["authorization", "content-type", "idempotency-key"],
              maxAge: Duration.hours(1),
            },
    });

    this.accessLogGroup = new LogGroup(this, "AccessLogs", {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: props.throttle ?? settings.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // Acknowledged on the API: covers every route added below (they are its children).
    Validations.of(this.httpApi).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "Every route is authenticated inside its Lambda by the API-key middleware (Bearer key, " +
        "hashed and looked up in the table with the caller's organ and role); an API Gateway " +
        "authorizer would duplicate that lookup on each request.",
    });
  }

  /** Base URL of the `$default` stage, with a trailing slash. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Adds the route `METHOD path` proxied to `handler` with payload format 2.0.
   *
   * @example
   * api.addRoute({ name: "list-inbox", method: "GET", path: "/v1/inbox", access: ["table:read"] }, fn);
   */
  addRoute(route: RouteDefinition, handler: IFunction): void {
    this.httpApi.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${route.name}-integration`, handler, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      }),
    });
  }
}

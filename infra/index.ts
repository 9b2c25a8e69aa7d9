export {
  type AccessTargets,
  accessPolicyStatements,
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
} from "./access-policy.ts";
export { type CreateAppOptions, type CreateAppResult, createApp, defaultStackName } from "./create-app.ts";
export { DataStore, type DataStoreProps } from "./data-store.ts";
export { ACCESS_LOG_FIELDS, ExchangeApi, type ExchangeApiProps } from "./exchange-api.ts";
export { LienthongStack, type LienthongStackProps } from "./lienthong-stack.ts";
export {
  FEATURE_FLAGS,
  type Profile,
  type ProfileSettings,
  parseProfile,
  profileSettings,
  REPO_ROOT,
  type ThrottleOptions,
} from "./profile.ts";
export {
  BUNDLE_TARGET,
  CREATE_REQUIRE_BANNER,
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  FUNCTION_RUNTIME,
  RouteFunction,
  type RouteFunctionProps,
} from "./route-function.ts";

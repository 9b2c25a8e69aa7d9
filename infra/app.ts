/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Synthesis is offline: no lookups, no Docker,
 * an environment-agnostic stack. Run the CLI with AWS_EC2_METADATA_DISABLED=true so that it does
 * not probe the EC2 instance metadata service for credentials:
 *
 *   AWS_EC2_METADATA_DISABLED=true npx cdk synth                        # LienthongDev
 *   AWS_EC2_METADATA_DISABLED=true npx cdk synth -c profile=production \
 *     -c webOrigins=https://lienthong.example.gov.vn \
 *     -c tsaUrl=https://tsa.example.gov.vn/tsr                           # LienthongProduction
 *
 * Context: `profile` (dev | production), `webOrigins` (comma-separated CORS origins), `stackName`,
 * `sendPolicy`, `tsaUrl` (https URL of the RFC 3161 timestamp authority: without it no audit seal).
 */
import { createApp } from "./create-app.ts";

createApp().app.synth();

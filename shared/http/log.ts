/**
 * One JSON line per event on stdout (CloudWatch in AWS, the terminal locally). Never log
 * request bodies, keys or document content.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export function log(level: LogLevel, message: string, fields: Readonly<Record<string, unknown>> = {}): void {
  if (level === "debug" && process.env["LOG_LEVEL"] !== "debug") {
    return;
  }
  if (process.env["LOG_LEVEL"] === "silent") {
    return;
  }
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...fields });
  if (level === "error" || level === "warn") {
    console.error(line);
  } else {
    console.log(line);
  }
}

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CfnElement, type Stack } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";

/** A policy statement as it appears in the synthesised template, resources rendered as text. */
export interface RenderedStatement {
  readonly sid?: string;
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: unknown;
}

/**
 * Renders a CloudFormation value as text the way cdk-nag prints it: `Fn::GetAtt [X, Arn]` →
 * `<X.Arn>`, `Ref X` → `<X>`, `Fn::Join ["", parts]` → the parts concatenated.
 */
export function render(value: unknown): string {
  if (typeof value === "string") {
    return value;
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const getAtt = record["Fn::GetAtt"];
    if (Array.isArray(getAtt)) {
      return `<${getAtt.join(".")}>`;
    }
    if (typeof record.Ref === "string") {
      return `<${record.Ref}>`;
    }
    const join = record["Fn::Join"];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      return (join[1] as unknown[]).map(render).join(String(join[0]));
    }
  }
  return JSON.stringify(value);
}

function asArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) {
    return [];
  }
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

/** Logical id of the CloudFormation resource a construct wraps. */
export function logicalIdOf(construct: IConstruct, stack: Stack): string {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) {
    throw new Error(`${construct.node.path} wraps no CloudFormation resource`);
  }
  return stack.getLogicalId(resource);
}

/** Every statement of every AWS::IAM::Policy attached to the role with this logical id. */
export function roleStatements(template: Template, roleLogicalId: string): RenderedStatement[] {
  const policies = template.findResources("AWS::IAM::Policy");
  const statements: RenderedStatement[] = [];
  for (const policy of Object.values(policies)) {
    const properties = policy.Properties as {
      Roles?: unknown[];
      PolicyDocument: { Statement: Record<string, unknown>[] };
    };
    const roles = (properties.Roles ?? []).map(render);
    if (!roles.includes(`<${roleLogicalId}>`)) {
      continue;
    }
    for (const statement of properties.PolicyDocument.Statement) {
      statements.push({
        sid: statement.Sid as string | undefined,
        effect: String(statement.Effect),
        actions: asArray(statement.Action as string | string[]),
        resources: asArray(statement.Resource as unknown).map(render),
        condition: statement.Condition,
      });
    }
  }
  return statements;
}

/** Every allowed action of the role, each with the resources it is allowed on. */
export function allowedActions(statements: readonly RenderedStatement[]): Map<string, string[]> {
  const actions = new Map<string, string[]>();
  for (const statement of statements) {
    if (statement.effect !== "Allow") {
      continue;
    }
    for (const action of statement.actions) {
      actions.set(action, [...(actions.get(action) ?? []), ...statement.resources]);
    }
  }
  return actions;
}

/** A fresh temporary folder and its removal. */
export async function tempFolder(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

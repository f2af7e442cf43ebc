// Validates HTTP requests (and JSON responses) against an OpenAPI 3.0 document with ajv: route, parameters, body.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI 3.0 document this validator reads. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, unknown> };
}

/** One operation of an OpenAPI document. */
export interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}

/** A request matched to an operation. */
export interface MatchedOperation {
  /** `operationId`, or `METHOD template` when the document gives none. */
  id: string;
  method: string;
  template: string;
  operation: OpenApiOperation;
  /** Decoded path parameters by name. */
  pathParams: Record<string, string>;
}

/** An HTTP request as received. */
export interface HttpRequestInput {
  method: string;
  /** Path and query string, e.g. `/collections/a/points?wait=true`. */
  url: string;
  contentType?: string;
  /** The raw body ('' when none). */
  body: string;
}

/** The outcome of validating one request. */
export interface RequestValidation {
  /** Undefined when no operation of the document has this method and path. */
  match: MatchedOperation | undefined;
  /** Parsed JSON body (undefined when none or unparsable). */
  body: unknown;
  /** Path parameters, coerced by their schemas. */
  pathParams: Record<string, unknown>;
  /** Query parameters, coerced from strings by their schemas. */
  query: Record<string, unknown>;
  /** Each problem as `<where>: <message>`; empty when the request is valid. */
  violations: string[];
}

const SCHEMA_ID = 'https://recsys.invalid/openapi.json';
const LOCAL_REF = '#/components/schemas/';

/** Integer formats of the document and their ranges; `float`/`double` accept any number. */
const INTEGER_FORMATS: Record<string, [number, number]> = {
  uint: [0, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65_535],
  uint32: [0, 4_294_967_295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  int32: [-2_147_483_648, 2_147_483_647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Converts an OpenAPI 3.0 schema to JSON Schema that ajv reads: `nullable: true` becomes a `null` type (added to
 * `type` and `enum`, or — for a schema without `type`, such as OpenAPI generators' `{ "nullable": true }` arm of an
 * `anyOf` — exactly `{ "type": "null" }`, its evident meaning); local `$ref`s point into the shared components
 * schema. Values of `enum`, `default` and `example` are copied untouched.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const source = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' && typeof value === 'boolean') continue;
    if (key === 'enum' || key === 'default' || key === 'example' || key === 'examples') out[key] = value;
    else if (key === '$ref' && typeof value === 'string' && value.startsWith(LOCAL_REF)) out[key] = `${SCHEMA_ID}${value}`;
    else out[key] = toJsonSchema(value);
  }
  if (source.nullable !== true) return out;
  if (typeof out.type === 'string' || Array.isArray(out.type)) {
    out.type = [...(Array.isArray(out.type) ? out.type : [out.type]), 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  const keywords = Object.keys(out).filter((k) => !['description', 'default', 'example', 'title', 'deprecated'].includes(k));
  if (keywords.length === 0) return { ...out, type: 'null' };
  return { anyOf: [out, { type: 'null' }] };
}

function newAjv(coerceTypes: boolean, components: unknown): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes, validateFormats: true });
  addFormats(ajv);
  for (const [name, [min, max]] of Object.entries(INTEGER_FORMATS)) {
    ajv.addFormat(name, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= min && n <= max });
  }
  ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('partial-date-time', /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/);
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: SCHEMA_ID, components: { schemas: components } });
  return ajv;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ');
}

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  literalLength: number;
  operation: OpenApiOperation;
}

/**
 * Validates requests against an OpenAPI 3.0 document: the route (method + path template; literal segments win
 * over parameters), every path and query parameter against its schema (query values coerced from strings; unknown
 * or missing required ones are violations), the content type and the JSON body against the request-body schema
 * (a body where the operation takes none is a violation). Responses can be checked against the operation's schema
 * for their status (`200`, else `4XX`/`5XX`, else `default`). Schemas are compiled once per operation.
 */
export class OpenApiValidator {
  private readonly routes: Route[] = [];
  private readonly ajv: Ajv;
  private readonly coercing: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    if (typeof document.openapi !== 'string' || !document.openapi.startsWith('3.0')) {
      throw new Error(`expected an OpenAPI 3.0 document, got openapi ${JSON.stringify(document.openapi)}`);
    }
    const components = toJsonSchema(document.components?.schemas ?? {});
    this.ajv = newAjv(false, components);
    this.coercing = newAjv(true, components);
    for (const [template, operations] of Object.entries(document.paths)) {
      const names: string[] = [];
      const pattern = template
        .split('/')
        .map((segment) => {
          const param = /^\{([^}]+)\}$/.exec(segment);
          if (param === null) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1]);
          return '([^/]+)';
        })
        .join('/');
      const literalLength = template.replace(/\{[^}]+\}/g, '').length;
      for (const [method, operation] of Object.entries(operations)) {
        this.routes.push({ method: method.toUpperCase(), template, regex: new RegExp(`^${pattern}$`), names, literalLength, operation });
      }
    }
    this.routes.sort((a, b) => a.names.length - b.names.length || b.literalLength - a.literalLength);
  }

  /** The operation for a method and path, or undefined. */
  match(method: string, pathname: string): MatchedOperation | undefined {
    for (const route of this.routes) {
      if (route.method !== method.toUpperCase()) continue;
      const m = route.regex.exec(pathname);
      if (m === null) continue;
      const pathParams: Record<string, string> = {};
      route.names.forEach((name, i) => (pathParams[name] = decodeURIComponent(m[i + 1])));
      return { id: route.operation.operationId ?? `${route.method} ${route.template}`, method: route.method, template: route.template, operation: route.operation, pathParams };
    }
    return undefined;
  }

  /** Validates one request; see the class comment for what is checked. */
  validateRequest(request: HttpRequestInput): RequestValidation {
    const url = new URL(request.url, 'http://localhost');
    const match = this.match(request.method, url.pathname);
    const violations: string[] = [];
    const query: Record<string, unknown> = {};
    const pathParams: Record<string, unknown> = {};
    let body: unknown;
    if (match === undefined) {
      return { match, body, pathParams, query, violations: [`route: no operation for ${request.method.toUpperCase()} ${url.pathname}`] };
    }
    const declared = match.operation.parameters ?? [];
    for (const param of declared) {
      if (param.in === 'path') {
        this.checkParameter(match, param, match.pathParams[param.name], violations, pathParams, false);
      } else if (param.in === 'query') {
        const values = url.searchParams.getAll(param.name);
        if (values.length === 0) {
          if (param.required === true) violations.push(`query: required parameter ${param.name} is missing`);
        } else {
          this.checkParameter(match, param, values.length === 1 ? values[0] : values, violations, query, true);
        }
      }
    }
    for (const name of new Set(url.searchParams.keys())) {
      if (!declared.some((p) => p.in === 'query' && p.name === name)) violations.push(`query: parameter ${name} is not declared by ${match.id}`);
    }

    const content = match.operation.requestBody?.content;
    if (request.body.length === 0) {
      if (match.operation.requestBody?.required === true) violations.push('body: a request body is required');
    } else if (content === undefined) {
      violations.push(`body: ${match.id} takes no request body, got ${request.body.length} bytes`);
    } else if (!(request.contentType ?? '').toLowerCase().startsWith('application/json') || content['application/json'] === undefined) {
      violations.push(`body: content type ${JSON.stringify(request.contentType)} is not one the operation accepts (${Object.keys(content).join(', ')})`);
    } else {
      try {
        body = JSON.parse(request.body);
      } catch (error) {
        violations.push(`body: not JSON (${(error as Error).message})`);
      }
      const schema = content['application/json'].schema;
      if (body !== undefined && schema !== undefined) {
        const validate = this.validator(`${match.id} body`, schema, false);
        if (!validate(body)) violations.push(`body: ${describeErrors(validate.errors)}`);
      }
    }
    return { match, body, pathParams, query, violations };
  }

  /** Violations of a JSON response body for the operation's response schema of `status` (none when undeclared). */
  validateResponse(match: MatchedOperation, status: number, body: unknown): string[] {
    const responses = match.operation.responses ?? {};
    const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    const schema = declared?.content?.['application/json']?.schema;
    if (declared === undefined) return [`response: ${match.id} declares no response for status ${status}`];
    if (schema === undefined) return [];
    const validate = this.validator(`${match.id} response ${status}`, schema, false);
    return validate(body) ? [] : [`response ${status}: ${describeErrors(validate.errors)}`];
  }

  private checkParameter(
    match: MatchedOperation,
    param: OpenApiParameter,
    raw: string | string[] | undefined,
    violations: string[],
    out: Record<string, unknown>,
    isQuery: boolean,
  ): void {
    const where = isQuery ? 'query' : 'path';
    if (raw === undefined) {
      violations.push(`${where}: parameter ${param.name} is missing`);
      return;
    }
    if (param.schema === undefined) return;
    const validate = this.validator(`${match.id} ${where} ${param.name}`, { type: 'object', properties: { value: param.schema }, required: ['value'] }, true);
    const holder = { value: raw as unknown };
    if (validate(holder)) out[param.name] = holder.value;
    else violations.push(`${where}: parameter ${param.name}=${JSON.stringify(raw)}: ${describeErrors(validate.errors).replace(/^\/value/, '')}`);
  }

  private validator(key: string, schema: unknown, coerce: boolean): ValidateFunction {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = (coerce ? this.coercing : this.ajv).compile(toJsonSchema(schema) as object);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

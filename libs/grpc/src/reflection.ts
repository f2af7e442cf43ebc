// gRPC server reflection (v1 and v1alpha) answered from the exact FileDescriptorProtos `buf build` produced.
import { status as Status, type Server, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { DESCRIPTOR_SET_BASE64 } from '@recsys/contracts';
import { Reader } from 'protobufjs';
import {
  FileDescriptorProto,
  type IDescriptorProto,
  type IEnumDescriptorProto,
  type IFieldDescriptorProto,
  type IFileDescriptorProto,
} from 'protobufjs/ext/descriptor';
import { dirname, join } from 'node:path';

/** Fully-qualified name of the standard health service. */
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** A `ServerReflectionRequest` as proto-loader decodes it (camelCase, `messageRequest` names the set oneof field). */
export interface ReflectionRequest {
  host?: string;
  messageRequest?: 'fileByFilename' | 'fileContainingSymbol' | 'fileContainingExtension' | 'allExtensionNumbersOfType' | 'listServices';
  fileByFilename?: string;
  fileContainingSymbol?: string;
  fileContainingExtension?: { containingType?: string; extensionNumber?: number };
  allExtensionNumbersOfType?: string;
  listServices?: string;
}

/** A `ServerReflectionResponse` in the shape proto-loader encodes: exactly one of the four answers is set. */
export interface ReflectionResponse {
  validHost: string;
  originalRequest: ReflectionRequest;
  fileDescriptorResponse?: { fileDescriptorProto: Uint8Array[] };
  allExtensionNumbersResponse?: { baseTypeName: string; extensionNumber: number[] };
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** Every file of a FileDescriptorSet and the fully-qualified symbols each declares. */
export interface DescriptorIndex {
  /** File name (`recsys/v1/common.proto`) → its FileDescriptorProto bytes, exactly as in the set, and its imports. */
  files: Map<string, { bytes: Uint8Array; dependencies: string[] }>;
  /**
   * Fully-qualified symbol without the leading dot → the file declaring it: messages (nested included), fields,
   * oneofs, enums, enum values (scoped beside their enum, as protoc does), services, methods and extensions.
   */
  symbols: Map<string, string>;
  /** Fully-qualified names of the message types (the only valid `all_extension_numbers_of_type` arguments). */
  messages: Set<string>;
  /** Extended message (fully-qualified, no leading dot) → extension field number → the file declaring it. */
  extensions: Map<string, Map<number, string>>;
}

/** Field 1 (`repeated FileDescriptorProto file`) of a FileDescriptorSet, each file's bytes untouched. */
function splitFileDescriptorSet(set: Uint8Array): Uint8Array[] {
  const reader = Reader.create(set);
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | 2)) files.push(reader.bytes());
    else reader.skipType(tag & 7);
  }
  return files;
}

const qualify = (scope: string, name: string | undefined | null): string => (scope ? `${scope}.${name}` : `${name}`);

/**
 * Indexes a serialized FileDescriptorSet (as `buf build` or `protoc --descriptor_set_out` writes it).
 * O(total symbols); the file bytes are served as they are, so type names stay fully-qualified and map entries keep
 * the names protoc gave them.
 */
export function indexDescriptorSet(set: Uint8Array): DescriptorIndex {
  const index: DescriptorIndex = { files: new Map(), symbols: new Map(), messages: new Set(), extensions: new Map() };

  for (const bytes of splitFileDescriptorSet(set)) {
    const file = FileDescriptorProto.decode(bytes) as unknown as IFileDescriptorProto;
    const fileName = file.name ?? '';
    index.files.set(fileName, { bytes, dependencies: [...((file.dependency as string[] | undefined) ?? [])] });
    const declare = (symbol: string) => index.symbols.set(symbol, fileName);

    const indexExtension = (scope: string, extension: IFieldDescriptorProto) => {
      declare(qualify(scope, extension.name));
      const extendee = (extension.extendee ?? '').replace(/^\./, '');
      let numbers = index.extensions.get(extendee);
      if (!numbers) index.extensions.set(extendee, (numbers = new Map()));
      numbers.set(extension.number ?? 0, fileName);
    };
    const indexEnum = (scope: string, enumType: IEnumDescriptorProto) => {
      declare(qualify(scope, enumType.name));
      // Enum values are siblings of their enum in protobuf scoping (C++ rules): `recsys.v1.SURFACE_HOME_FEED`.
      for (const value of enumType.value ?? []) declare(qualify(scope, value.name));
    };
    const indexMessage = (scope: string, message: IDescriptorProto) => {
      const name = qualify(scope, message.name);
      declare(name);
      index.messages.add(name);
      for (const field of message.field ?? []) declare(qualify(name, field.name));
      for (const oneof of message.oneofDecl ?? []) declare(qualify(name, oneof.name));
      for (const nested of message.nestedType ?? []) indexMessage(name, nested);
      for (const enumType of message.enumType ?? []) indexEnum(name, enumType);
      for (const extension of message.extension ?? []) indexExtension(name, extension);
    };

    const pkg = file.package ?? '';
    for (const message of file.messageType ?? []) indexMessage(pkg, message);
    for (const enumType of file.enumType ?? []) indexEnum(pkg, enumType);
    for (const extension of file.extension ?? []) indexExtension(pkg, extension);
    for (const service of file.service ?? []) {
      const name = qualify(pkg, service.name);
      declare(name);
      for (const method of service.method ?? []) declare(qualify(name, method.name));
    }
  }
  return index;
}

/** `fileName` first (clients take the first file as the answer), then its transitive imports, each once. */
function withDependencies(index: DescriptorIndex, fileName: string): Uint8Array[] {
  const order: Uint8Array[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    const file = index.files.get(name);
    if (!file || seen.has(name)) return;
    seen.add(name);
    order.push(file.bytes);
    for (const dependency of file.dependencies) visit(dependency);
  };
  visit(fileName);
  return order;
}

/**
 * The answer to one reflection request. `services` are the names `list_services` reports. Files come with their
 * transitive imports in every answer (no per-stream memory of what was sent, which the protocol allows).
 * Unknown files, symbols, types and extensions answer `error_response` NOT_FOUND; a request with no field set,
 * INVALID_ARGUMENT.
 */
export function answerReflection(
  index: DescriptorIndex,
  services: readonly string[],
  request: ReflectionRequest,
): ReflectionResponse {
  const base = { validHost: request.host ?? '', originalRequest: request };
  const notFound = (what: string): ReflectionResponse => ({
    ...base,
    errorResponse: { errorCode: Status.NOT_FOUND, errorMessage: `${what} not found` },
  });
  const files = (fileName: string): ReflectionResponse => ({
    ...base,
    fileDescriptorResponse: { fileDescriptorProto: withDependencies(index, fileName) },
  });

  switch (request.messageRequest) {
    case 'listServices':
      return { ...base, listServicesResponse: { service: services.map((name) => ({ name })) } };
    case 'fileByFilename': {
      const name = request.fileByFilename ?? '';
      return index.files.has(name) ? files(name) : notFound(`file ${name}`);
    }
    case 'fileContainingSymbol': {
      const symbol = (request.fileContainingSymbol ?? '').replace(/^\./, '');
      const fileName = index.symbols.get(symbol);
      return fileName === undefined ? notFound(`symbol ${symbol}`) : files(fileName);
    }
    case 'fileContainingExtension': {
      const type = (request.fileContainingExtension?.containingType ?? '').replace(/^\./, '');
      const number = request.fileContainingExtension?.extensionNumber ?? 0;
      const fileName = index.extensions.get(type)?.get(number);
      return fileName === undefined ? notFound(`extension ${number} of ${type}`) : files(fileName);
    }
    case 'allExtensionNumbersOfType': {
      const type = (request.allExtensionNumbersOfType ?? '').replace(/^\./, '');
      if (!index.messages.has(type)) return notFound(`message type ${type}`);
      const numbers = [...(index.extensions.get(type)?.keys() ?? [])].sort((a, b) => a - b);
      return { ...base, allExtensionNumbersResponse: { baseTypeName: type, extensionNumber: numbers } };
    }
    default:
      return {
        ...base,
        errorResponse: { errorCode: Status.INVALID_ARGUMENT, errorMessage: 'the request sets no message_request field' },
      };
  }
}

/** Reflection service names, v1 first (grpcurl tries v1, then falls back to v1alpha). */
const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

let recsysIndex: DescriptorIndex | undefined;
let reflectionDefinitions: ServiceDefinition[] | undefined;

/** The index of every recsys proto and grpc.health.v1, decoded once per process. */
function descriptorIndex(): DescriptorIndex {
  recsysIndex ??= indexDescriptorSet(Buffer.from(DESCRIPTOR_SET_BASE64, 'base64'));
  return recsysIndex;
}

/** grpc-js definitions of both reflection services, their (de)serializers from the protos @grpc/reflection ships. */
function reflectionServiceDefinitions(): ServiceDefinition[] {
  if (!reflectionDefinitions) {
    const protoDir = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto', 'grpc', 'reflection');
    const pkg = loadSync(
      ['v1', 'v1alpha'].map((version) => join(protoDir, version, 'reflection.proto')),
      { longs: String, enums: String, oneofs: true, defaults: false },
    );
    reflectionDefinitions = REFLECTION_SERVICES.map((name) => pkg[name] as ServiceDefinition);
  }
  return reflectionDefinitions;
}

/**
 * Adds `grpc.reflection.v1.ServerReflection` and `grpc.reflection.v1alpha.ServerReflection` to `server`, describing
 * every recsys proto and grpc.health.v1 from the committed descriptor set; `list_services` reports exactly
 * `services` (fully-qualified names; the reflection services themselves are not listed).
 */
export function addReflection(server: Server, services: readonly string[]): void {
  const index = descriptorIndex();
  const listed = [...services];
  const ServerReflectionInfo = (call: ServerDuplexStream<ReflectionRequest, ReflectionResponse>) => {
    call.on('data', (request: ReflectionRequest) => {
      if (call.cancelled) return;
      let response: ReflectionResponse;
      try {
        response = answerReflection(index, listed, request);
      } catch (error) {
        response = {
          validHost: request.host ?? '',
          originalRequest: request,
          errorResponse: { errorCode: Status.INTERNAL, errorMessage: String(error) },
        };
      }
      call.write(response);
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined); // the client went away; nothing is left to answer
  };
  for (const definition of reflectionServiceDefinitions()) server.addService(definition, { ServerReflectionInfo });
}

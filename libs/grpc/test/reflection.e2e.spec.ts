// Server reflection over real gRPC: a real server on 127.0.0.1:0 and a reflection client on the bidi stream (v1 and
// v1alpha), checking that the served descriptors are buf's own (fully-qualified type names, protoc map entries).
import { credentials, loadPackageDefinition, status as Status, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { OrchestratorServiceService } from '@recsys/contracts';
import { createLogger } from '@recsys/logger';
import { FileDescriptorProto, type IFileDescriptorProto } from 'protobufjs/ext/descriptor';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startGrpcServer, type GrpcServer } from '../src/index';

interface ReflectionResponse {
  validHost: string;
  originalRequest: Record<string, unknown>;
  messageResponse: string;
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  allExtensionNumbersResponse?: { baseTypeName: string; extensionNumber: number[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}
type ReflectionStream = ClientDuplexStream<Record<string, unknown>, ReflectionResponse>;
type ReflectionClient = Client & { serverReflectionInfo(): ReflectionStream };
type Version = 'v1' | 'v1alpha';

const protoDir = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection');
const clientPackage = loadPackageDefinition(
  loadSync([join(protoDir, 'v1/reflection.proto'), join(protoDir, 'v1alpha/reflection.proto')], { oneofs: true, arrays: true }),
) as unknown as {
  grpc: { reflection: Record<Version, { ServerReflection: new (address: string, creds: unknown) => ReflectionClient }> };
};

const logger = createLogger({ service: 'reflection-e2e', level: 'error', stream: new PassThrough() });
let server: GrpcServer;
const clients: Client[] = [];

beforeAll(async () => {
  server = await startGrpcServer({
    name: 'orchestrator',
    host: '127.0.0.1',
    port: 0,
    services: [{ definition: OrchestratorServiceService, handlers: {} }],
    logger,
  });
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(() => server.shutdown(0));

function reflectionClient(version: Version = 'v1'): ReflectionClient {
  const client = new clientPackage.grpc.reflection[version].ServerReflection(server.address, credentials.createInsecure());
  clients.push(client);
  return client;
}

/** Sends `requests` on one stream and collects one response per request, in order. */
function reflect(requests: Record<string, unknown>[], version: Version = 'v1'): Promise<ReflectionResponse[]> {
  return new Promise((resolve, reject) => {
    const stream = reflectionClient(version).serverReflectionInfo();
    const responses: ReflectionResponse[] = [];
    stream.on('data', (response: ReflectionResponse) => responses.push(response));
    stream.on('error', reject);
    stream.on('end', () => resolve(responses));
    for (const request of requests) stream.write(request);
    stream.end();
  });
}

async function reflectOne(request: Record<string, unknown>, version: Version = 'v1'): Promise<ReflectionResponse> {
  const [response, ...rest] = await reflect([request], version);
  expect(rest).toHaveLength(0);
  return response;
}

const decode = (bytes: Buffer) => FileDescriptorProto.decode(bytes) as unknown as IFileDescriptorProto;

async function filesFor(request: Record<string, unknown>): Promise<IFileDescriptorProto[]> {
  const response = await reflectOne(request);
  expect(response.errorResponse).toBeUndefined();
  return (response.fileDescriptorResponse?.fileDescriptorProto ?? []).map(decode);
}

describe('list_services', () => {
  it.each<Version>(['v1', 'v1alpha'])('%s lists the served services and health', async (version) => {
    const response = await reflectOne({ listServices: '*' }, version);
    expect(response.listServicesResponse?.service.map((s) => s.name).sort()).toEqual([
      'grpc.health.v1.Health',
      'recsys.v1.OrchestratorService',
    ]);
    expect(response.originalRequest).toMatchObject({ listServices: '*' });
  });
});

describe('file_containing_symbol', () => {
  it('returns the service file first, then each transitive import once', async () => {
    const files = await filesFor({ fileContainingSymbol: 'recsys.v1.OrchestratorService' });
    expect(files.map((f) => f.name)).toEqual([
      'recsys/v1/orchestrator_service.proto',
      'recsys/events/v1/engagement_event.proto',
      'recsys/v1/common.proto',
    ]);
    expect(files[0].service?.map((s) => s.name)).toEqual(['OrchestratorService']);
  });

  it('serves fully-qualified type names and protoc map entries (what grpcurl needs to resolve a service)', async () => {
    const [orchestrator] = await filesFor({ fileContainingSymbol: 'recsys.v1.OrchestratorService' });
    const messages = new Map((orchestrator.messageType ?? []).map((m) => [m.name, m]));
    const events = messages.get('LogEventsRequest')?.field?.find((f) => f.name === 'events');
    expect(events?.typeName).toBe('.recsys.events.v1.EngagementEvent');
    for (const message of orchestrator.messageType ?? []) {
      for (const field of message.field ?? []) if (field.typeName) expect(field.typeName.startsWith('.')).toBe(true);
    }
    const overrides = messages.get('RecommendRequest')?.field?.find((f) => f.name === 'experiment_overrides');
    expect(overrides?.typeName).toBe('.recsys.v1.RecommendRequest.ExperimentOverridesEntry');
    const entry = messages.get('RecommendRequest')?.nestedType?.find((m) => m.name === 'ExperimentOverridesEntry');
    expect(entry?.options?.mapEntry).toBe(true);
  });

  it('resolves methods, nested messages, enums and enum values to their file, with or without a leading dot', async () => {
    const answers = await reflect([
      { fileContainingSymbol: 'recsys.v1.OrchestratorService.Recommend' },
      { fileContainingSymbol: '.recsys.v1.RecommendRequest.ExperimentOverridesEntry' },
      { fileContainingSymbol: 'recsys.v1.Surface' },
      { fileContainingSymbol: 'recsys.v1.SURFACE_HOME_FEED' },
      { fileContainingSymbol: 'recsys.events.v1.EngagementEvent' },
    ]);
    const firstFile = answers.map((a) => decode(a.fileDescriptorResponse!.fileDescriptorProto[0]).name);
    expect(firstFile).toEqual([
      'recsys/v1/orchestrator_service.proto',
      'recsys/v1/orchestrator_service.proto',
      'recsys/v1/common.proto',
      'recsys/v1/common.proto',
      'recsys/events/v1/engagement_event.proto',
    ]);
  });

  it('resolves the health service to the vendored standard health proto', async () => {
    const files = await filesFor({ fileContainingSymbol: 'grpc.health.v1.Health' });
    expect(files.map((f) => f.name)).toEqual(['grpc/health/v1/health.proto']);
    expect(files[0].service?.[0].method?.map((m) => [m.name, m.inputType, m.outputType])).toEqual([
      ['Check', '.grpc.health.v1.HealthCheckRequest', '.grpc.health.v1.HealthCheckResponse'],
      ['Watch', '.grpc.health.v1.HealthCheckRequest', '.grpc.health.v1.HealthCheckResponse'],
    ]);
  });

  it('answers NOT_FOUND for an unknown symbol and keeps the stream open for the next request', async () => {
    const [unknown, next] = await reflect([
      { fileContainingSymbol: 'recsys.v1.NoSuchService' },
      { fileContainingSymbol: 'recsys.v1.OrchestratorService' },
    ]);
    expect(unknown.errorResponse).toEqual({ errorCode: Status.NOT_FOUND, errorMessage: 'symbol recsys.v1.NoSuchService not found' });
    expect(next.fileDescriptorResponse?.fileDescriptorProto).toHaveLength(3);
  });
});

describe('file_by_filename', () => {
  it('returns the file and its imports; NOT_FOUND for an unknown file', async () => {
    const files = await filesFor({ fileByFilename: 'recsys/v1/ranking_service.proto' });
    expect(files.map((f) => f.name)).toEqual(['recsys/v1/ranking_service.proto', 'recsys/v1/common.proto']);
    expect((await filesFor({ fileByFilename: 'grpc/health/v1/health.proto' })).map((f) => f.name)).toEqual([
      'grpc/health/v1/health.proto',
    ]);
    const unknown = await reflectOne({ fileByFilename: 'recsys/v1/nope.proto' });
    expect(unknown.errorResponse?.errorCode).toBe(Status.NOT_FOUND);
  });
});

describe('extensions (the recsys protos declare none)', () => {
  it('answers NOT_FOUND for file_containing_extension', async () => {
    const response = await reflectOne({
      fileContainingExtension: { containingType: 'recsys.v1.RecommendRequest', extensionNumber: 100 },
    });
    expect(response.errorResponse?.errorCode).toBe(Status.NOT_FOUND);
  });

  it('lists no extension numbers of a known message type and answers NOT_FOUND for an unknown one', async () => {
    const [known, unknown] = await reflect([
      { allExtensionNumbersOfType: 'recsys.v1.RecommendRequest' },
      { allExtensionNumbersOfType: 'recsys.v1.NoSuchMessage' },
    ]);
    expect(known.allExtensionNumbersResponse).toEqual({ baseTypeName: 'recsys.v1.RecommendRequest', extensionNumber: [] });
    expect(unknown.errorResponse?.errorCode).toBe(Status.NOT_FOUND);
  });
});

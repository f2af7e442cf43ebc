/**
 * gRPC plumbing shared by every service: server bootstrap with health, reflection and tracing; the error-to-status
 * table; promise clients with deadline inheritance and retries; graceful shutdown.
 */
export type { CallContext, UnaryHandler } from './call-context';
export { createClient, type ClientFactoryOptions, type PromiseCallOptions, type PromiseClient, type UnaryMethodNames } from './client';
export { startGrpcServer, type GrpcServer, type GrpcServerOptions, type ServiceBinding } from './server';
export { installShutdown, type ShutdownOptions } from './shutdown';
export { categoryOf, statusOf } from './status';
export { runService, type RunServiceOptions, type StartedService } from './run-service';

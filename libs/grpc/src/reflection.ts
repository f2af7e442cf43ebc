// The package definition server reflection describes: every recsys proto (from the committed descriptor set) + health.
import { loadFileDescriptorSetFromBuffer, loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { DESCRIPTOR_SET_BASE64 } from '@recsys/contracts';
import { protoPath as healthProtoPath } from 'grpc-health-check';

/** Fully-qualified name of the standard health service. */
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

let reflectedPackage: PackageDefinition | undefined;

function reflectedPackageDefinition(): PackageDefinition {
  // Decoded once per process: the descriptor set covers every service, each server narrows it with a whitelist.
  reflectedPackage ??= {
    ...loadFileDescriptorSetFromBuffer(Buffer.from(DESCRIPTOR_SET_BASE64, 'base64')),
    ...loadSync(healthProtoPath),
  };
  return reflectedPackage;
}

/** A reflection service (v1 and v1alpha) describing exactly `services` (fully-qualified names) and their types. */
export function reflectionFor(services: readonly string[]): ReflectionService {
  return new ReflectionService(reflectedPackageDefinition(), { services: [...services] });
}

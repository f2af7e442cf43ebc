/** Typed, validated service configuration from environment variables (zod). */
export * from './config';

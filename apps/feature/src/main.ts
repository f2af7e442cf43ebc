/** Feature service entry point: config → logger → app → shutdown hooks (see @recsys/grpc runService). */
import { runService } from '@recsys/grpc';
import { startFeatureApp } from './app';
import { loadConfig } from './config';

runService({ service: 'feature', loadConfig: () => loadConfig(), start: (config, logger) => startFeatureApp(config, logger) });

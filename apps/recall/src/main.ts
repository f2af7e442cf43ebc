/** Recall service entry point: config → logger → app → shutdown hooks (see @recsys/grpc runService). */
import { runService } from '@recsys/grpc';
import { startRecallApp } from './app';
import { loadConfig } from './config';

runService({ service: 'recall', loadConfig: () => loadConfig(), start: (config, logger) => startRecallApp(config, logger) });

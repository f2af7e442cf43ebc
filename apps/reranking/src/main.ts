/** Reranking service entry point: config → logger → app → shutdown hooks (see @recsys/grpc runService). */
import { runService } from '@recsys/grpc';
import { startRerankingApp } from './app';
import { loadConfig } from './config';

runService({ service: 'reranking', loadConfig: () => loadConfig(), start: (config, logger) => startRerankingApp(config, logger) });

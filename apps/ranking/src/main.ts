/** Ranking service entry point: config → logger → app → shutdown hooks (see @recsys/grpc runService). */
import { runService } from '@recsys/grpc';
import { startRankingApp } from './app';
import { loadConfig } from './config';

runService({ service: 'ranking', loadConfig: () => loadConfig(), start: (config, logger) => startRankingApp(config, logger) });

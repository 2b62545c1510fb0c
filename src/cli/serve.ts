import { ConfigError, servingProblem } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { startDaemon } from '../daemon.js';
import { createDaemonLogger } from '../log/logger.js';
import { nextSteps } from './nextSteps.js';
import { allowYoungGenerationGrowth } from './youngGeneration.js';

/** `serve`: runs until SIGTERM or SIGINT, then shuts down gracefully (exit 0). */
export async function serve(config: Config): Promise<void> {
  const problem = servingProblem(config);
  if (problem) throw new ConfigError(problem);
  const { log, close } = await createDaemonLogger(config);
  const daemon = await startDaemon(config, log);
  allowYoungGenerationGrowth();
  const steps = nextSteps(daemon.context);
  if (steps) process.stderr.write(`${steps}\n`);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'shutting down');
      void daemon.stop().then(resolve);
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
  close();
}

#!/usr/bin/env node
import { holdYoungGenerationGrowth } from './cli/youngGeneration.js';

// Before the program loads: a static import would be evaluated before this line.
holdYoungGenerationGrowth();
const { runCli } = await import('./cli/program.js');
process.exitCode = await runCli(process.argv.slice(2));

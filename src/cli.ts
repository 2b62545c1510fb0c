#!/usr/bin/env node
import './cli/youngGeneration.js'; // first, before the rest of the program loads
import { runCli } from './cli/program.js';

process.exitCode = await runCli(process.argv.slice(2));

#!/usr/bin/env node
import { Command } from 'commander';
import { demoCommand } from './demo.js';
import { jobsCommand } from './jobs.js';
import { keysCommand } from './keys.js';
import { usageExitCodes } from './run.js';
import { simulateUpstreamCommand } from './simulate-upstream.js';
import { serveCommand } from './serve.js';
import { usageCommand } from './usage.js';

const program = new Command('upgate')
  .description('Rate-limit-aware upload gateway: Imgur-compatible uploads, per-key and per-IP quotas, upstream lane budgets, a durable fair queue.')
  .showHelpAfterError();
program.addCommand(serveCommand());
program.addCommand(simulateUpstreamCommand());
program.addCommand(usageExitCodes(keysCommand()));
program.addCommand(usageExitCodes(usageCommand()));
program.addCommand(usageExitCodes(jobsCommand()));
program.addCommand(usageExitCodes(demoCommand()));

await program.parseAsync(process.argv);

#!/usr/bin/env node
import { Command } from 'commander';
import { version } from '../version.js';
import { configCommand } from './config-check.js';
import { demoCommand } from './demo.js';
import { jobsCommand } from './jobs.js';
import { keysCommand } from './keys.js';
import { lanesCommand } from './lanes.js';
import { queueCommand, withJobActions, withLaneActions } from './operator.js';
import { usageExitCodes } from './run.js';
import { simulateUpstreamCommand } from './simulate-upstream.js';
import { serveCommand } from './serve.js';
import { usageCommand } from './usage.js';

const program = new Command('upgate')
  .description('Rate-limit-aware upload gateway: Imgur-compatible uploads, per-key and per-IP quotas, upstream lane budgets, a durable fair queue.')
  .version(version, '-V, --version');
program.addCommand(serveCommand());
program.addCommand(simulateUpstreamCommand());
program.addCommand(keysCommand());
program.addCommand(usageCommand());
program.addCommand(withLaneActions(lanesCommand()));
program.addCommand(withJobActions(jobsCommand()));
program.addCommand(queueCommand());
program.addCommand(configCommand());
program.addCommand(demoCommand());
// Every level, the program itself included, exits 2 on a usage error (unknown command or option).
usageExitCodes(program);

await program.parseAsync(process.argv);

#!/usr/bin/env node
import { Command } from 'commander';
import { simulateUpstreamCommand } from './simulate-upstream.js';

const program = new Command('upgate')
  .description('Rate-limit-aware upload gateway: Imgur-compatible uploads, per-key and per-IP quotas, upstream lane budgets, a durable fair queue.')
  .showHelpAfterError();
program.addCommand(simulateUpstreamCommand());

await program.parseAsync(process.argv);

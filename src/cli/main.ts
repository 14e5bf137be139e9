#!/usr/bin/env node
import { Command } from 'commander';

const program = new Command('upgate')
  .description('Rate-limit-aware upload gateway: Imgur-compatible uploads, per-key and per-IP quotas, upstream lane budgets, a durable fair queue.')
  .showHelpAfterError();

await program.parseAsync(process.argv);

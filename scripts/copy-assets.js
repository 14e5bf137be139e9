// tsc copies only .ts output; Lua scripts and the dashboard page ship beside the compiled code.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';

const assetExtensions = new Set(['.lua', '.html', '.css', '.js', '.json', '.yaml']);

function copyAssets(from, to) {
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(to, name);
    if (statSync(source).isDirectory()) copyAssets(source, target);
    else if (assetExtensions.has(extname(name)) && !name.endsWith('.ts')) cpSync(source, target);
  }
}

copyAssets('src', 'dist');

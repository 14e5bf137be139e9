// tsc copies only .ts output; Lua scripts and the dashboard page ship beside the compiled code.
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
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

// The Lua scripts are registered by file name: one renamed (its key count changed) must not leave the
// old file behind, which would be registered too, under the same command name.
rmSync(join('dist', 'redis', 'scripts'), { recursive: true, force: true });
copyAssets('src', 'dist');

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';

const root = resolve('.');
const documents = ['README.md', ...readdirSync('docs').filter((name) => name.endsWith('.md')).map((name) => join('docs', name))];

/** Every link and image target of a Markdown file, as marked's lexer reads them (inline, reference and HTML links). */
function targetsOf(markdown: string): string[] {
  const targets: string[] = [];
  const visit = (tokens: Token[]) => {
    for (const token of tokens) {
      if (token.type === 'link' || token.type === 'image') targets.push((token as Tokens.Link).href);
      if (token.type === 'html') for (const match of (token as Tokens.HTML).text.matchAll(/(?:href|src)="([^"]+)"/g)) targets.push(match[1]!);
      const nested = token as { tokens?: Token[]; items?: Tokens.ListItem[]; header?: Tokens.TableCell[]; rows?: Tokens.TableCell[][] };
      if (nested.tokens) visit(nested.tokens);
      if (nested.items) visit(nested.items);
      if (nested.header) visit(nested.header.flatMap((cell) => cell.tokens));
      if (nested.rows) visit(nested.rows.flat().flatMap((cell) => cell.tokens));
    }
  };
  visit(new Lexer().lex(markdown));
  return targets;
}

const isRemote = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as `-`, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const token of new Lexer().lex(markdown)) {
    if (token.type !== 'heading') continue;
    const slug = (token as Tokens.Heading).text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    let anchor = slug;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

describe('the README and docs', () => {
  it.each(documents)('%s links only to files inside the repository that exist', (document) => {
    const markdown = readFileSync(document, 'utf8');
    const relativeTargets = targetsOf(markdown).filter((target) => !isRemote(target) && !target.startsWith('#'));
    const broken = relativeTargets.filter((target) => {
      const path = resolve(dirname(document), decodeURIComponent(target.split('#')[0]!));
      const inside = path === root || path.startsWith(root + sep);
      return !inside || !existsSync(path);
    });
    expect(broken.map((target) => `${document} → ${target}`)).toEqual([]);
    // A link into a heading lands on it: the anchor is one the target file has.
    const missingAnchors = targetsOf(markdown)
      .filter((target) => !isRemote(target) && target.includes('#'))
      .filter((target) => {
        const [file, anchor] = target.split('#') as [string, string];
        const path = file === '' ? document : resolve(dirname(document), decodeURIComponent(file));
        return path.endsWith('.md') && !anchorsOf(readFileSync(path, 'utf8')).has(decodeURIComponent(anchor));
      });
    expect(missingAnchors.map((target) => `${document} → ${target}`)).toEqual([]);
    // Paths outside the repo in code spans are links in all but name (a clone has no ../shared).
    expect(markdown).not.toMatch(/\.\.\/shared\//);
  });

  it('finds the links it checks (the README links into docs/ and into a heading there)', () => {
    const targets = targetsOf(readFileSync('README.md', 'utf8'));
    expect(targets).toContain('docs/api.md');
    expect(targets).toContain('docs/operations.md#running');
    expect([...anchorsOf(readFileSync('docs/api.md', 'utf8'))]).toEqual(expect.arrayContaining(['browsers-cors', 'queueing-jobs-and-callbacks', 'operations-and-admin-api']));
    expect(targets.filter((target) => !isRemote(target)).length).toBeGreaterThan(5);
    expect(relative(root, resolve('docs/api.md'))).toBe(join('docs', 'api.md'));
  });
});

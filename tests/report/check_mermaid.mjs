// Parses every ```mermaid block of Markdown files with Mermaid itself, under Node, no browser:
// mermaid.parse() needs a DOM only for DOMPurify, which jsdom provides.
//
//   node check_mermaid.mjs FILE.md...
//
// Mermaid and jsdom are looked up in $LOOPSCOPE_MERMAID_DIR (default
// ${XDG_CACHE_HOME:-~/.cache}/loopscope/mermaid), installed there, outside the repository, with
//   npm install --prefix "$DIR" --no-audit --no-fund mermaid@11 jsdom@29
// Exit status: 0 all blocks parse, 1 a block does not (or a file has none), 77 skipped (no
// packages: ctest reports the test as skipped).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.LOOPSCOPE_MERMAID_DIR ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'loopscope', 'mermaid');
let mermaidPath, jsdomPath;
try {
  const require = createRequire(join(dir, 'package.json'));
  mermaidPath = require.resolve('mermaid');
  jsdomPath = require.resolve('jsdom');
} catch {
  console.log(`SKIP: mermaid and jsdom are not installed in ${dir}; install them with\n` +
              `  npm install --prefix "${dir}" --no-audit --no-fund mermaid@11 jsdom@29`);
  process.exit(77);
}

const { JSDOM } = await import(pathToFileURL(jsdomPath).href);
const dom = new JSDOM('<!doctype html><html><body></body></html>');
// DOMPurify (inside Mermaid) binds to the window that exists when it is first imported.
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(pathToFileURL(mermaidPath).href);
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

// Fenced blocks as CommonMark reads them: a fence closes only with at least as many backticks.
function mermaidBlocks(text) {
  const blocks = [];
  let open = null;
  text.split('\n').forEach((line, index) => {
    if (open === null) {
      const m = /^ {0,3}(`{3,})\s*(\S*)/.exec(line);
      if (m) open = { fence: m[1], info: m[2], start: index + 1, body: [] };
    } else if (new RegExp(`^ {0,3}${open.fence}\`*\\s*$`).test(line)) {
      if (open.info === 'mermaid') blocks.push(open);
      open = null;
    } else {
      open.body.push(line);
    }
  });
  if (open !== null) throw new Error(`fence opened at line ${open.start} is never closed`);
  return blocks;
}

let failures = 0;
const files = process.argv.slice(2);
if (files.length === 0) {
  console.log('usage: node check_mermaid.mjs FILE.md...');
  process.exit(2);
}
for (const file of files) {
  let blocks;
  try {
    blocks = mermaidBlocks(readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`${file}: ${e.message}`);
    failures++;
    continue;
  }
  if (blocks.length === 0) {
    console.log(`${file}: no mermaid block`);
    failures++;
  }
  for (const block of blocks) {
    const source = block.body.join('\n');
    try {
      const result = await mermaid.parse(source);
      if (!result) throw new Error('parse returned false');
      console.log(`${file}:${block.start}: ok (${result.diagramType})`);
    } catch (e) {
      console.log(`${file}:${block.start}: ${String(e.message || e).split('\n').slice(0, 4).join(' / ')}`);
      console.log(source);
      failures++;
    }
  }
}
process.exit(failures ? 1 : 0);

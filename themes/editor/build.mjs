// Bundles the story editor (src/main.js and its npm dependencies) into ONE minified file,
// themes/default/assets/editor.js, which is committed: the binary embeds it like any theme
// asset, so running Dateline needs no Node. Run through scripts/build-editor. Prints the
// asset's size raw, gzipped and brotli-compressed, and fails over the budget (150 KB gzipped).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, '..', 'default', 'assets', 'editor.js');

await build({
  entryPoints: [join(here, 'src', 'main.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
  charset: 'utf8',
  banner: {
    js: '/* Dateline story editor: built by scripts/build-editor from themes/editor/ (ProseMirror, markdown-it: MIT licence). Do not edit. */',
  },
  outfile,
  logLevel: 'warning',
});

const bytes = readFileSync(outfile);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = gzipSync(bytes, { level: 9 }).length;
const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`editor.js: ${kb(bytes.length)} raw, ${kb(gz)} gzip -9, ${kb(br)} brotli 11`);
// The budget (issue 17): over it, the build fails, and so does `scripts/build-editor --check`
// in scripts/test.
const BUDGET = 150 * 1024;
if (gz > BUDGET) {
  console.error(`editor.js: ${kb(gz)} gzip is over the ${kb(BUDGET)} budget`);
  process.exit(1);
}

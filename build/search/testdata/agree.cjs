// Runs themes/compass/assets/search.js under Node for the Go/JS agreement
// tests. Usage:
//   node agree.cjs stem SEARCH_JS   < words (one per line) → stems, one per line
//   node agree.cjs tokens SEARCH_JS < text → JSON tokens
//   node agree.cjs search SEARCH_JS INDEX_DIR LIMIT < queries (one per line) → JSON [[hit...]...]
'use strict';
const fs = require('fs');
const path = require('path');
const [mode, jsPath, dir, limit] = process.argv.slice(2);
const api = require(path.resolve(jsPath));
const input = fs.readFileSync(0, 'utf8');

async function main() {
  if (mode === 'stem') {
    const words = input.split('\n').filter((w) => w !== '');
    process.stdout.write(words.map((w) => api.stem(w)).join('\n') + '\n');
    return;
  }
  if (mode === 'tokens') {
    process.stdout.write(JSON.stringify(api.tokenize(input)));
    return;
  }
  if (mode === 'search') {
    const ix = await api.Index.open(async (name, start, end) => {
      const b = fs.readFileSync(path.join(dir, name));
      return start === undefined ? b : b.subarray(start, end);
    });
    const out = [];
    for (const q of input.split('\n')) {
      if (q === '') continue;
      const hits = await ix.search(q, Number(limit));
      out.push(hits.map((h) => ({ url: h.url, score: h.score, snippet: h.snippet })));
    }
    process.stdout.write(JSON.stringify(out));
    return;
  }
  throw new Error('unknown mode ' + mode);
}
main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });

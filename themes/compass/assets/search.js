// Compass handbook search: the query engine (a line-for-line port of
// build/handbook's tokenizer, Porter2 stemmer, query parser and ranking, so
// the browser and `compass search` return the same results) and the search
// box UI. The engine also runs under Node for the Go/JS agreement tests:
// require() it, or read it from globalThis.CompassSearch.
//
// Index format: see build/search/search.go. The script tag's data-index
// attribute gives the index URL; manifest.json there names every shard.
(function (root) {
  'use strict';

  // ---- Constants shared with build/handbook (indexformat.go, index.go) ----
  var MAX_TERM_LEN = 48;
  var WEIGHT_EXACT = 4, WEIGHT_PREFIX = 3, WEIGHT_PARTS = 2, WEIGHT_TYPO = 2;
  var MAX_EXPANSIONS = 24, MIN_TYPO_LEN = 5, MIN_PREFIX_LEN = 2;
  var SNIPPET_LEN = 200;
  var FILTER_KEYS = ['kind', 'team', 'tag'];
  var STOP = new Set(('a an and are as at be but by for if in into is it of on or such that the ' +
    'their then there these they this to was will with').split(' '));

  // ---- Porter2 stemmer (see build/handbook/stem.go) ----
  var EXC = {
    skis: 'ski', skies: 'sky', dying: 'die', lying: 'lie', tying: 'tie', idly: 'idl',
    gently: 'gentl', ugly: 'ugli', early: 'earli', only: 'onli', singly: 'singl', sky: 'sky',
    news: 'news', howe: 'howe', atlas: 'atlas', cosmos: 'cosmos', bias: 'bias', andes: 'andes'
  };
  var INV1A = new Set(['inning', 'outing', 'canning', 'herring', 'earring', 'proceed', 'exceed', 'succeed']);

  function isV(c) { return c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || c === 'y'; }
  function hasVowel(w) { for (var i = 0; i < w.length; i++) if (isV(w[i])) return true; return false; }
  function ends(w, s) { return w.length >= s.length && w.slice(w.length - s.length) === s; }
  function longest(w, list) {
    var best = '';
    for (var i = 0; i < list.length; i++) if (list[i].length > best.length && ends(w, list[i])) best = list[i];
    return best;
  }
  function afterVC(w, start) {
    for (var i = start + 1; i < w.length; i++) if (!isV(w[i]) && isV(w[i - 1])) return i + 1;
    return w.length;
  }
  function endsShort(w) {
    var n = w.length;
    if (n === 2) return isV(w[0]) && !isV(w[1]);
    if (n >= 3) {
      var c = w[n - 1];
      return !isV(w[n - 3]) && isV(w[n - 2]) && !isV(c) && c !== 'w' && c !== 'x' && c !== 'Y';
    }
    return false;
  }
  var S2 = [['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['abli', 'able'], ['entli', 'ent'],
    ['izer', 'ize'], ['ization', 'ize'], ['ational', 'ate'], ['ation', 'ate'], ['ator', 'ate'],
    ['alism', 'al'], ['aliti', 'al'], ['alli', 'al'], ['fulness', 'ful'], ['ousli', 'ous'],
    ['ousness', 'ous'], ['iveness', 'ive'], ['iviti', 'ive'], ['biliti', 'ble'], ['bli', 'ble'],
    ['ogi', 'og'], ['fulli', 'ful'], ['lessli', 'less'], ['li', '']];
  var S3 = [['tional', 'tion'], ['ational', 'ate'], ['alize', 'al'], ['icate', 'ic'], ['iciti', 'ic'],
    ['ical', 'ic'], ['ful', ''], ['ness', ''], ['ative', '']];
  var S4 = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ism',
    'ate', 'iti', 'ous', 'ive', 'ize', 'ion'];
  function keys(rules) { return rules.map(function (r) { return r[0]; }); }
  var S2K = keys(S2), S3K = keys(S3);
  function rep(rules, suf) { for (var i = 0; i < rules.length; i++) if (rules[i][0] === suf) return rules[i][1]; return ''; }

  function stem(word) {
    if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
    if (Object.prototype.hasOwnProperty.call(EXC, word)) return EXC[word];
    var w = '';
    for (var i = 0; i < word.length; i++) {
      var c = word[i];
      w += (c === 'y' && (i === 0 || isV(w[i - 1]))) ? 'Y' : c;
    }
    var r1 = w.length;
    var pre = ['gener', 'commun', 'arsen'];
    for (i = 0; i < pre.length; i++) if (w.slice(0, pre[i].length) === pre[i]) { r1 = pre[i].length; break; }
    if (r1 === w.length) r1 = afterVC(w, 0);
    var r2 = afterVC(w, r1);
    var suf, st;
    // Step 1a
    suf = longest(w, ['sses', 'ied', 'ies', 'us', 'ss', 's']);
    if (suf === 'sses') w = w.slice(0, -2);
    else if (suf === 'ied' || suf === 'ies') w = w.length > 4 ? w.slice(0, -2) : w.slice(0, -1);
    else if (suf === 's' && hasVowel(w.slice(0, -2))) w = w.slice(0, -1);
    if (INV1A.has(w)) return w.replace(/Y/g, 'y');
    // Step 1b
    suf = longest(w, ['eed', 'eedly', 'ed', 'edly', 'ing', 'ingly']);
    if (suf === 'eed' || suf === 'eedly') {
      if (w.length - suf.length >= r1) w = w.slice(0, w.length - suf.length) + 'ee';
    } else if (suf !== '') {
      st = w.slice(0, w.length - suf.length);
      if (hasVowel(st)) {
        w = st;
        var n = w.length;
        if (ends(w, 'at') || ends(w, 'bl') || ends(w, 'iz')) w += 'e';
        else if (n >= 2 && w[n - 1] === w[n - 2] && 'bdfgmnprt'.indexOf(w[n - 1]) >= 0) w = w.slice(0, -1);
        else if (r1 >= w.length && endsShort(w)) w += 'e';
      }
    }
    // Step 1c
    n = w.length;
    if (n > 2 && (w[n - 1] === 'y' || w[n - 1] === 'Y') && !isV(w[n - 2])) w = w.slice(0, -1) + 'i';
    // Step 2
    suf = longest(w, S2K);
    if (suf !== '' && w.length - suf.length >= r1) {
      st = w.slice(0, w.length - suf.length);
      var ok = true;
      if (suf === 'ogi') ok = ends(st, 'l');
      else if (suf === 'li') ok = st.length > 0 && 'cdeghkmnrt'.indexOf(st[st.length - 1]) >= 0;
      if (ok) w = st + rep(S2, suf);
    }
    // Step 3
    suf = longest(w, S3K);
    if (suf !== '' && w.length - suf.length >= r1 && !(suf === 'ative' && w.length - suf.length < r2)) {
      w = w.slice(0, w.length - suf.length) + rep(S3, suf);
    }
    // Step 4
    suf = longest(w, S4);
    if (suf !== '' && w.length - suf.length >= r2) {
      st = w.slice(0, w.length - suf.length);
      if (suf !== 'ion' || ends(st, 's') || ends(st, 't')) w = st;
    }
    // Step 5
    n = w.length;
    if (n > 0) {
      if (w[n - 1] === 'e') {
        if (n - 1 >= r2 || (n - 1 >= r1 && !endsShort(w.slice(0, -1)))) w = w.slice(0, -1);
      } else if (w[n - 1] === 'l') {
        if (n - 1 >= r2 && n >= 2 && w[n - 2] === 'l') w = w.slice(0, -1);
      }
    }
    return w.replace(/Y/g, 'y');
  }

  // ---- Tokenizer (see build/handbook/index.go) ----
  function utf8Len(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; } else n += 3;
    }
    return n;
  }
  function cls(c) { return c >= 'A' && c <= 'Z' ? 'U' : (c >= 'a' && c <= 'z' ? 'L' : 'O'); }
  function camelParts(w) {
    if (!/^[\x00-\x7f]*$/.test(w)) return null;
    var parts = [], start = 0;
    for (var i = 1; i < w.length; i++) {
      var prev = cls(w[i - 1]), cur = cls(w[i]);
      var split = cur === 'U' && prev !== 'U';
      if (cur === 'U' && prev === 'U' && i + 1 < w.length && cls(w[i + 1]) === 'L') split = true;
      if (split) { parts.push(w.slice(start, i).toLowerCase()); start = i; }
    }
    parts.push(w.slice(start).toLowerCase());
    return parts.length > 1 ? parts : null;
  }
  // lower matches Go's lower (index.go): İ → i, final sigma folded.
  function lower(s) { return s.replace(/\u0130/g, 'i').toLowerCase().replace(/\u03c2/g, '\u03c3'); }
  var WORD_RE = /[\p{L}\p{N}]+/gu;
  // splitWords returns {lower, parts, start, end} with offsets in UTF-16 units.
  function splitWords(text) {
    var out = [], m;
    WORD_RE.lastIndex = 0;
    while ((m = WORD_RE.exec(text)) !== null) {
      out.push({ lower: lower(m[0]), parts: camelParts(m[0]), start: m.index, end: m.index + m[0].length });
    }
    return out;
  }
  function tokenize(text) {
    var toks = [], pos = 0, words = splitWords(text);
    for (var i = 0; i < words.length; i++) {
      var w = words[i];
      if (!w.parts) {
        if (!STOP.has(w.lower) && utf8Len(w.lower) <= MAX_TERM_LEN) toks.push({ term: stem(w.lower), pos: pos, whole: false });
        pos++;
        continue;
      }
      if (utf8Len(w.lower) <= MAX_TERM_LEN) toks.push({ term: stem(w.lower), pos: pos, whole: true });
      for (var j = 0; j < w.parts.length; j++) {
        var p = w.parts[j];
        if (!STOP.has(p) && utf8Len(p) <= MAX_TERM_LEN) toks.push({ term: stem(p), pos: pos + j, whole: false });
      }
      pos += w.parts.length;
    }
    return toks;
  }

  // ---- Query parser (see ParseQuery) ----
  function parseQuery(q) {
    var out = { clauses: [], filters: {} };
    var inPhrase = false, seg = '';
    function flush() {
      var s = seg;
      seg = '';
      if (inPhrase) {
        if (s.trim() !== '') out.clauses.push({ phrase: true, text: s });
        return;
      }
      var fields = s.split(/\s+/);
      for (var i = 0; i < fields.length; i++) {
        var f = fields[i];
        if (f === '') continue;
        var c = f.indexOf(':');
        if (c >= 0 && FILTER_KEYS.indexOf(f.slice(0, c).toLowerCase()) >= 0) {
          var key = f.slice(0, c).toLowerCase(), v = f.slice(c + 1).toLowerCase();
          if (v !== '') (out.filters[key] = out.filters[key] || []).push(v);
          continue;
        }
        var ws = splitWords(f);
        for (var j = 0; j < ws.length; j++) {
          if (!ws[j].parts && STOP.has(ws[j].lower)) continue;
          out.clauses.push({ phrase: false, text: f.slice(ws[j].start, ws[j].end), word: ws[j] });
        }
      }
    }
    for (var ch of q) {
      if (ch === '"') { flush(); inPhrase = !inPhrase; continue; }
      seg += ch;
    }
    flush();
    var n = out.clauses.length;
    if (n > 0 && !out.clauses[n - 1].phrase && !inPhrase && ends(q, out.clauses[n - 1].text)) out.clauses[n - 1].prefix = true;
    for (var k in out.filters) {
      out.filters[k] = Array.from(new Set(out.filters[k])).sort(cmpStr);
    }
    return out;
  }

  // cmpStr compares strings by UTF-8 bytes, as Go does (equal to UTF-16
  // order except around surrogates, which index terms rarely hold).
  function cmpStr(a, b) { return a < b ? -1 : (a > b ? 1 : 0); }

  // ---- Index reader ----
  function readVarint(r) {
    var x = 0, mul = 1, b;
    do {
      if (r.off >= r.b.length) throw new Error('corrupt index: truncated');
      b = r.b[r.off++];
      x += (b & 0x7f) * mul;
      mul *= 128;
    } while (b >= 0x80);
    return x;
  }

  async function gunzip(buf) {
    var u = new Uint8Array(buf);
    if (u.length < 2 || u[0] !== 0x1f || u[1] !== 0x8b) return u;
    var stream = new Blob([u]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  // Index loads files through load(name[, start, end]) →
  // Promise<ArrayBuffer|Uint8Array>: the whole file, or its bytes [start,
  // end) (an HTTP range request in the browser).
  function Index(manifest, load) {
    this.m = manifest;
    this.load = load;
    this.files = new Map(); // name or name@start → Promise<Uint8Array>
    this.dict = new Map(); // shard → entries
    this.meta = new Map(); // shard → decoded
    this.dec = new TextDecoder();
  }
  Index.open = async function (load) {
    var raw = await gunzip(await load('manifest.json'));
    var m = JSON.parse(new TextDecoder().decode(raw));
    if (m.version !== 2) throw new Error('search index version ' + m.version + ', want 2');
    return new Index(m, load);
  };
  Index.prototype.file = function (name) { return this.bytes(name, name, gunzip); };
  // record fetches bytes [off, off+n) of the named file, decompressed if gz.
  Index.prototype.record = function (name, off, n, gz) {
    if (n === 0) return Promise.resolve(new Uint8Array(0));
    return this.bytes(name + '@' + off, name, function (b) {
      b = new Uint8Array(b);
      if (b.length !== n) throw new Error('search index: ' + name + ' at ' + off + ': got ' + b.length + ' bytes, want ' + n);
      return gz ? gunzip(b) : b;
    }, off, off + n);
  };
  Index.prototype.bytes = function (key, name, decode, start, end) {
    var p = this.files.get(key);
    if (!p) {
      var self = this;
      p = Promise.resolve(start === undefined ? this.load(name) : this.load(name, start, end)).then(decode);
      p.catch(function () { self.files.delete(key); });
      this.files.set(key, p);
    }
    return p;
  };
  Index.prototype.shardFor = function (term) {
    var d = this.m.dict, lo = 0, hi = d.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (cmpStr(d[mid].f, term) > 0) hi = mid; else lo = mid + 1; }
    return Math.max(lo - 1, 0);
  };
  Index.prototype.prefixShards = function (prefix, out) {
    var first = this.shardFor(prefix);
    for (var s = first; s < this.m.dict.length; s++) {
      if (s !== first && this.m.dict[s].f.slice(0, prefix.length) !== prefix) break;
      out.add(s);
    }
  };
  Index.prototype.loadDicts = async function (set) {
    var self = this;
    await Promise.all(Array.from(set).filter(function (s) { return !self.dict.has(s); }).map(async function (s) {
      var b = await self.file(self.m.dict[s].n);
      if (self.dict.has(s)) return;
      var r = { b: b, off: 0 }, n = readVarint(r), entries = new Array(n), prev = new Uint8Array(0);
      var postOff = readVarint(r), posOff = readVarint(r);
      for (var i = 0; i < n; i++) {
        var shared = readVarint(r), len = readVarint(r);
        if (shared > prev.length || r.off + len > b.length) throw new Error('corrupt dictionary');
        var t = new Uint8Array(shared + len);
        t.set(prev.subarray(0, shared));
        t.set(b.subarray(r.off, r.off + len), shared);
        r.off += len;
        prev = t;
        var e = { term: self.dec.decode(t), df: readVarint(r), postOff: postOff, posOff: posOff };
        var post = readVarint(r), pos = readVarint(r);
        e.postLen = Math.floor(post / 2); e.postGz = post % 2 === 1;
        e.posLen = Math.floor(pos / 2); e.posGz = pos % 2 === 1;
        postOff += e.postLen;
        posOff += e.posLen;
        entries[i] = e;
      }
      self.dict.set(s, entries);
    }));
  };
  function bsearch(entries, term) {
    var lo = 0, hi = entries.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (cmpStr(entries[mid].term, term) < 0) lo = mid + 1; else hi = mid; }
    return lo;
  }
  Index.prototype.lookup = function (term) {
    var d = this.dict.get(this.shardFor(term));
    var j = bsearch(d, term);
    return j < d.length && d[j].term === term ? d[j] : null;
  };
  Index.prototype.withPrefix = function (prefix) {
    var out = [], first = this.shardFor(prefix);
    for (var s = first; s < this.m.dict.length; s++) {
      if (s !== first && this.m.dict[s].f.slice(0, prefix.length) !== prefix) break;
      var d = this.dict.get(s);
      for (var j = bsearch(d, prefix); j < d.length && d[j].term.slice(0, prefix.length) === prefix; j++) {
        if (d[j].term.indexOf(':') < 0) out.push(d[j]);
      }
    }
    return out;
  };
  Index.prototype.postings = async function (e) {
    if (e.decoded) return e.decoded;
    var r = { b: await this.record(this.m.post, e.postOff, e.postLen, e.postGz), off: 0 };
    var docs = new Int32Array(e.df), imps = new Uint8Array(e.df), doc = 0;
    for (var i = 0; i < e.df; i++) {
      doc += readVarint(r);
      docs[i] = doc;
      imps[i] = r.b[r.off++];
    }
    e.decoded = { docs: docs, imps: imps };
    return e.decoded;
  };
  Index.prototype.positions = async function (e) {
    var r = { b: await this.record(this.m.pos, e.posOff, e.posLen, e.posGz), off: 0 }, out = new Array(e.df);
    for (var i = 0; i < e.df; i++) {
      var n = readVarint(r), ps = new Array(n), p = 0;
      for (var j = 0; j < n; j++) { p += readVarint(r); ps[j] = p; }
      out[i] = ps;
    }
    return out;
  };
  // metaFor returns the record of the page holding document doc: its
  // directory entry (8 bytes) gives where the record is.
  Index.prototype.metaFor = async function (doc) {
    if (doc < 0 || doc >= this.m.docs) throw new Error('document ' + doc + ' out of range');
    var dir = await this.record(this.m.mdir, 8 * doc, 8, false);
    var v = new DataView(dir.buffer, dir.byteOffset, 8), start = v.getUint32(0), end = v.getUint32(4);
    if (!this.meta.has(start)) {
      var j = JSON.parse(this.dec.decode(await this.record(this.m.meta, start, end - start, true)));
      if (!this.meta.has(start)) {
        this.meta.set(start, { first: j.f, pages: [j.p], docs: j.d.map(function (d) { return [0, d[0], d[1], d[2]]; }) });
      }
    }
    return this.meta.get(start);
  };

  function runes(s) { return Array.from(s); }
  function eqFrom(a, ai, b, bi) {
    if (a.length - ai !== b.length - bi) return false;
    for (; ai < a.length; ai++, bi++) if (a[ai] !== b[bi]) return false;
    return true;
  }
  function withinOneEdit(a, b) {
    if (a.length > b.length) { var t = a; a = b; b = t; }
    if (b.length - a.length > 1) return false;
    var i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    if (a.length === b.length) {
      if (i === a.length) return false;
      if (eqFrom(a, i + 1, b, i + 1)) return true;
      return i + 1 < a.length && a[i] === b[i + 1] && a[i + 1] === b[i] && eqFrom(a, i + 2, b, i + 2);
    }
    return eqFrom(a, i, b, i + 1);
  }
  function stemTypo(t, w) {
    if (t.length < MIN_TYPO_LEN || w.length - t.length > 5 || w.length <= t.length) return false;
    if (eqFrom(t, 0, w.slice(0, t.length), 0)) return true;
    for (var k = t.length - 1; k <= t.length + 1 && k <= w.length; k++) {
      if (withinOneEdit(t, w.slice(0, k))) return true;
    }
    return false;
  }
  function topByDF(es, used) {
    var out = es.filter(function (e) { return !used.has(e.term); });
    out.sort(function (a, b) { return b.df - a.df || cmpStr(a.term, b.term); });
    return out.slice(0, MAX_EXPANSIONS);
  }
  // hasDigit: ids get no typo tolerance (see hasDigit in expand.go).
  function hasDigit(rs) { for (var i = 0; i < rs.length; i++) if (/^\p{Nd}$/u.test(rs[i])) return true; return false; }
  function phraseTokens(text) { return tokenize(text).filter(function (t) { return !t.whole; }); }

  // dictShardsFor lists the dictionary shards a parsed query needs, so they
  // can be fetched in parallel before ranking.
  Index.prototype.dictShardsFor = function (q) {
    var set = new Set(), self = this;
    for (var k in q.filters) q.filters[k].forEach(function (v) { set.add(self.shardFor(k + ':' + v)); });
    q.clauses.forEach(function (c) {
      if (c.phrase) { phraseTokens(c.text).forEach(function (t) { set.add(self.shardFor(t.term)); }); return; }
      var w = c.word;
      set.add(self.shardFor(stem(w.lower)));
      if (w.parts) w.parts.forEach(function (p) { set.add(self.shardFor(stem(p))); });
      if (c.prefix && runes(w.lower).length >= MIN_PREFIX_LEN) self.prefixShards(w.lower, set);
      var rl = runes(w.lower);
      if (rl.length >= MIN_TYPO_LEN && !hasDigit(rl)) self.prefixShards(rl[0], set);
    });
    return set;
  };

  Index.prototype.wordAlts = function (c) {
    var w = c.word, alts = [], used = new Set(), exact = '', exactFound = false, e;
    if (utf8Len(w.lower) <= MAX_TERM_LEN) {
      exact = stem(w.lower);
      e = this.lookup(exact);
      if (e) { alts.push({ entries: [e], weight: WEIGHT_EXACT }); exactFound = true; }
      used.add(exact);
    }
    if (w.parts && (!c.prefix || exactFound)) {
      var es = [], complete = true;
      for (var i = 0; i < w.parts.length; i++) {
        var p = w.parts[i];
        if (STOP.has(p) || utf8Len(p) > MAX_TERM_LEN) continue;
        e = this.lookup(stem(p));
        if (!e) { complete = false; break; }
        es.push(e);
      }
      if (complete && es.length > 0) alts.push({ entries: es, weight: WEIGHT_PARTS });
    }
    if (c.prefix && runes(w.lower).length >= MIN_PREFIX_LEN) {
      topByDF(this.withPrefix(w.lower), used).forEach(function (e) {
        used.add(e.term);
        alts.push({ entries: [e], weight: WEIGHT_PREFIX });
      });
    }
    var rl = runes(w.lower);
    if (rl.length >= MIN_TYPO_LEN && !hasDigit(rl)) {
      var rexact = runes(exact), typos = [];
      this.withPrefix(rl[0]).forEach(function (e) {
        if (used.has(e.term)) return;
        var rt = runes(e.term);
        if (withinOneEdit(rt, rl) || withinOneEdit(rt, rexact) || (!exactFound && stemTypo(rt, rl))) typos.push(e);
      });
      topByDF(typos, used).forEach(function (e) {
        used.add(e.term);
        alts.push({ entries: [e], weight: WEIGHT_TYPO });
      });
    }
    return alts;
  };

  // rank returns {ranked: the best limit [{doc, matched, score}], terms: Set}.
  Index.prototype.rank = async function (q, limit) {
    var self = this, n = this.m.docs, terms = new Set();
    await this.loadDicts(this.dictShardsFor(q));

    // Work out every postings entry needed and fetch their packs in parallel.
    var plans = q.clauses.map(function (c) {
      if (!c.phrase) return { alts: self.wordAlts(c) };
      var toks = phraseTokens(c.text);
      return { toks: toks, entries: toks.map(function (t) { return self.lookup(t.term); }) };
    });
    var fetches = [], fkeys = Object.keys(q.filters).sort(cmpStr);
    function post(e) { fetches.push(self.postings(e)); }
    fkeys.forEach(function (k) { q.filters[k].forEach(function (v) { var e = self.lookup(k + ':' + v); if (e) post(e); }); });
    plans.forEach(function (p) {
      if (p.alts) p.alts.forEach(function (a) { a.entries.forEach(post); });
      else if (p.entries.every(Boolean)) {
        p.entries.forEach(function (e) { post(e); fetches.push(self.record(self.m.pos, e.posOff, e.posLen, e.posGz)); });
      }
    });
    await Promise.all(fetches);

    var allowed = null;
    for (var fi = 0; fi < fkeys.length; fi++) {
      var k = fkeys[fi], ok = new Uint8Array(n);
      for (var vi = 0; vi < q.filters[k].length; vi++) {
        var fe = this.lookup(k + ':' + q.filters[k][vi]);
        if (!fe) continue;
        var fp = await this.postings(fe);
        for (var x = 0; x < fp.docs.length; x++) {
          var fd = fp.docs[x];
          if (fd < n && (allowed === null || allowed[fd])) ok[fd] = 1;
        }
      }
      allowed = ok;
    }

    var total = new Int32Array(n), matched = new Uint8Array(n), best = new Int32Array(n), phr = new Uint8Array(n), phrases = 0;
    var sum = new Int32Array(n), cnt = new Uint8Array(n), seen = new Uint8Array(n), cands = [];
    function add(d) { if (!seen[d]) { seen[d] = 1; cands.push(d); } }

    for (var ci = 0; ci < q.clauses.length; ci++) {
      var plan = plans[ci];
      if (plan.alts && plan.alts.length === 1 && plan.alts[0].entries.length === 1) {
        // Fast path: one term adds straight to the totals.
        var fps = await this.postings(plan.alts[0].entries[0]), fw = plan.alts[0].weight;
        if (fps.docs.length > 0) terms.add(plan.alts[0].entries[0].term);
        for (var fj = 0; fj < fps.docs.length; fj++) {
          var fdoc = fps.docs[fj];
          if (fdoc >= n) continue;
          add(fdoc);
          total[fdoc] += Math.max(fw * fps.imps[fj], 1);
          matched[fdoc]++;
        }
        continue;
      }
      if (plan.alts) {
        var touched = [];
        for (var ai = 0; ai < plan.alts.length; ai++) {
          var a = plan.alts[ai];
          if (a.entries.length === 1) {
            var ps = await this.postings(a.entries[0]);
            if (ps.docs.length > 0) terms.add(a.entries[0].term);
            for (var j = 0; j < ps.docs.length; j++) {
              var d = ps.docs[j];
              if (d >= n) continue;
              if (best[d] === 0) touched.push(d);
              best[d] = Math.max(best[d], a.weight * ps.imps[j], 1);
            }
            continue;
          }
          var pt = [];
          for (var ei = 0; ei < a.entries.length; ei++) {
            var pp = await this.postings(a.entries[ei]);
            for (j = 0; j < pp.docs.length; j++) {
              d = pp.docs[j];
              if (d >= n) continue;
              if (cnt[d] === 0) pt.push(d);
              cnt[d]++;
              sum[d] += a.weight * pp.imps[j];
            }
          }
          var any = false;
          for (j = 0; j < pt.length; j++) {
            d = pt[j];
            if (cnt[d] === a.entries.length) {
              any = true;
              if (best[d] === 0) touched.push(d);
              best[d] = Math.max(best[d] + sum[d], 1);
            }
            cnt[d] = 0; sum[d] = 0;
          }
          if (any) a.entries.forEach(function (e) { terms.add(e.term); });
        }
        for (j = 0; j < touched.length; j++) {
          d = touched[j];
          add(d);
          total[d] += best[d];
          matched[d]++;
          best[d] = 0;
        }
        continue;
      }
      // Phrase.
      if (plan.toks.length === 0) continue;
      phrases++;
      var found = new Map();
      if (plan.entries.every(Boolean)) {
        var tps = [];
        for (j = 0; j < plan.entries.length; j++) {
          tps.push({ ps: await this.postings(plan.entries[j]), pos: await this.positions(plan.entries[j]), off: plan.toks[j].pos - plan.toks[0].pos });
        }
        var base = 0;
        for (j = 0; j < tps.length; j++) if (tps[j].ps.docs.length < tps[base].ps.docs.length) base = j;
        for (var bj = 0; bj < tps[base].ps.docs.length; bj++) {
          var doc = tps[base].ps.docs[bj], score = 0, idx = [], good = true;
          for (var ti = 0; ti < tps.length; ti++) {
            if (ti === base) { idx.push(bj); score += WEIGHT_EXACT * tps[base].ps.imps[bj]; continue; }
            var kk = lowerBound(tps[ti].ps.docs, doc);
            if (kk >= tps[ti].ps.docs.length || tps[ti].ps.docs[kk] !== doc) { good = false; break; }
            idx.push(kk);
            score += WEIGHT_EXACT * tps[ti].ps.imps[kk];
          }
          if (!good || !phraseAt(tps, idx)) continue;
          found.set(doc, Math.max(score, 1));
        }
      }
      if (found.size > 0) plan.toks.forEach(function (t) { terms.add(t.term); });
      var fdocs = Array.from(found.keys()).sort(function (x, y) { return x - y; });
      for (j = 0; j < fdocs.length; j++) {
        d = fdocs[j];
        if (d >= n) continue;
        add(d);
        total[d] += found.get(d);
        matched[d]++;
        phr[d]++;
      }
    }

    // count is every matching section, for the UI's "N results"; only the
    // best limit of them are ranked and loaded.
    var top = new TopK(limit), count = 0;
    if (q.clauses.length === 0) {
      if (allowed !== null) for (d = 0; d < n; d++) if (allowed[d]) { count++; top.push({ doc: d, matched: 0, score: 0 }); }
      return { ranked: top.sorted(), terms: terms, count: count };
    }
    for (j = 0; j < cands.length; j++) {
      d = cands[j];
      if (allowed !== null && !allowed[d]) continue;
      if (matched[d] === 0 || phr[d] < phrases) continue;
      count++;
      top.push({ doc: d, matched: matched[d], score: total[d] });
    }
    return { ranked: top.sorted(), terms: terms, count: count };
  };

  // cmpRanked orders better results first (see compareRanked in Go).
  function cmpRanked(x, y) { return y.matched - x.matched || y.score - x.score || x.doc - y.doc; }

  // TopK keeps the best limit results in a heap whose root is the worst.
  function TopK(limit) { this.limit = limit; this.h = []; }
  TopK.prototype.push = function (r) {
    var h = this.h, i, t;
    if (h.length < this.limit) {
      h.push(r);
      for (i = h.length - 1; i > 0;) {
        var p = (i - 1) >> 1;
        if (cmpRanked(h[i], h[p]) <= 0) break;
        t = h[i]; h[i] = h[p]; h[p] = t; i = p;
      }
      return;
    }
    if (cmpRanked(r, h[0]) >= 0) return;
    h[0] = r;
    for (i = 0; ;) {
      var l = 2 * i + 1, w = i;
      if (l < h.length && cmpRanked(h[l], h[w]) > 0) w = l;
      if (l + 1 < h.length && cmpRanked(h[l + 1], h[w]) > 0) w = l + 1;
      if (w === i) break;
      t = h[i]; h[i] = h[w]; h[w] = t; i = w;
    }
  };
  TopK.prototype.sorted = function () { return this.h.sort(cmpRanked); };

  function lowerBound(arr, v) {
    var lo = 0, hi = arr.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (arr[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function phraseAt(tps, idx) {
    var first = tps[0].pos[idx[0]];
    outer: for (var i = 0; i < first.length; i++) {
      var s = first[i];
      for (var t = 1; t < tps.length; t++) {
        var ps = tps[t].pos[idx[t]], want = s + tps[t].off, k = lowerBound(ps, want);
        if (k >= ps.length || ps[k] !== want) continue outer;
      }
      return true;
    }
    return false;
  }

  // snippet mirrors handbook.Snippet, with offsets in UTF-16 units.
  function snippet(excerpt, terms) {
    var words = splitWords(excerpt);
    function isMatch(w) {
      if (terms.has(stem(w.lower))) return true;
      if (w.parts) for (var i = 0; i < w.parts.length; i++) if (terms.has(stem(w.parts[i]))) return true;
      return false;
    }
    var start = 0, end = excerpt.length, i;
    if (excerpt.length > SNIPPET_LEN) {
      var first = -1;
      for (i = 0; i < words.length; i++) if (isMatch(words[i])) { first = words[i].start; break; }
      if (first > SNIPPET_LEN / 3) {
        for (i = 0; i < words.length; i++) if (words[i].start >= first - SNIPPET_LEN / 3) { start = words[i].start; break; }
      }
      end = start + SNIPPET_LEN;
      if (end >= excerpt.length) end = excerpt.length;
      else {
        var sp = excerpt.slice(start, end).lastIndexOf(' ');
        if (sp > 0) end = start + sp;
      }
    }
    var text = (start > 0 ? '…' : '') + excerpt.slice(start, end), off = (start > 0 ? 1 : 0) - start, marks = [];
    for (i = 0; i < words.length; i++) {
      var w = words[i];
      if (w.start >= start && w.end <= end && isMatch(w)) marks.push([w.start + off, w.end + off]);
    }
    if (end < excerpt.length && excerpt.slice(start, end).slice(-1) !== '…') text += '…';
    return { text: text, marks: marks };
  }

  // search runs a query and returns up to limit hits, like Index.Search in Go.
  Index.prototype.search = async function (query, limit) {
    limit = limit > 0 ? limit : 10;
    var r = await this.rank(parseQuery(query), limit), self = this;
    var top = r.ranked;
    var metas = await Promise.all(top.map(function (x) { return self.metaFor(x.doc); }));
    var hits = top.map(function (x, i) {
      var ms = metas[i], d = ms.docs[x.doc - ms.first], pg = ms.pages[d[0]], suffix = d[1];
      var url = suffix === '' ? pg[0] : (suffix[0] === '#' ? pg[0] + suffix : suffix);
      var sn = snippet(d[3], r.terms);
      return {
        url: url, page: pg[0], title: pg[1], section: d[2], snippet: sn.text, marks: sn.marks,
        score: x.score * self.m.scale / WEIGHT_EXACT, kind: pg[2], team: pg[3]
      };
    });
    // Beside the hits (not in them, so they stay equal to Go's): how many
    // sections matched in all, and the index terms that matched, so the UI
    // can mark them in titles too.
    hits.total = r.count;
    hits.terms = r.terms;
    return hits;
  };

  var api = {
    stem: stem, tokenize: tokenize, splitWords: splitWords, parseQuery: parseQuery,
    withinOneEdit: withinOneEdit, snippet: snippet, Index: Index, gunzip: gunzip
  };
  root.CompassSearch = api;
  if (typeof module === 'object' && module.exports) module.exports = api;

  // ---- Browser UI ----
  if (typeof document === 'undefined') return;
  var script = document.currentScript || document.querySelector('script[data-index]');
  var indexURL = (script && script.getAttribute('data-index')) || '/search/';
  if (indexURL.slice(-1) !== '/') indexURL += '/';
  var basePath = new URL(indexURL, location.href).pathname.replace(/search\/$/, '');


  var indexPromise = null, wholeFiles = new Map(), ranges = null;
  // load fetches an index file, or bytes [start, end) of it with a range
  // request. The first range request goes alone: a server that ignores
  // ranges answers it with the whole file (200), and from then on every
  // file is fetched whole, once, and sliced.
  function load(name, start, end) {
    if (start === undefined) return whole(name);
    if (!ranges) {
      var probe = rangeGet(name, start, end);
      ranges = probe.then(function (r) { return r.partial; }, function () { ranges = null; return true; });
      return probe.then(function (r) { return r.bytes; });
    }
    return ranges.then(function (ok) {
      return ok ? rangeGet(name, start, end).then(function (r) { return r.bytes; })
        : whole(name).then(function (b) { return b.slice(start, end); });
    });
  }
  function rangeGet(name, start, end) {
    return fetch(indexURL + name, { headers: { Range: 'bytes=' + start + '-' + (end - 1) } }).then(function (r) {
      if (!r.ok) throw new Error('GET ' + name + ': ' + r.status);
      if (r.status === 206) return r.arrayBuffer().then(function (b) { return { partial: true, bytes: b }; });
      var b = r.arrayBuffer();
      wholeFiles.set(name, b);
      return b.then(function (x) { return { partial: false, bytes: x.slice(start, end) }; });
    });
  }
  function whole(name) {
    var p = wholeFiles.get(name);
    if (!p) {
      p = fetch(indexURL + name).then(function (r) {
        if (!r.ok) throw new Error('GET ' + name + ': ' + r.status);
        return r.arrayBuffer();
      });
      wholeFiles.set(name, p);
      p.catch(function () { wholeFiles.delete(name); });
    }
    return p;
  }
  function index() {
    if (!indexPromise) {
      // The first range request (8 bytes of the document directory) goes
      // out while the query's dictionary shards load, so finding out
      // whether the server honours ranges costs no round trip.
      indexPromise = Index.open(load).then(function (ix) {
        ix.record(ix.m.mdir, 0, 8, false).catch(function () {});
        return ix;
      });
      indexPromise.catch(function () { indexPromise = null; });
    }
    return indexPromise;
  }
  function link(u) {
    return basePath !== '/' && u[0] === '/' && u.indexOf(basePath) !== 0 ? basePath.slice(0, -1) + u : u;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  // marked writes text with the [start, end) ranges of marks in <mark>.
  function marked(tag, cls, text, marks) {
    var e = el(tag, cls), last = 0;
    marks.forEach(function (m) {
      e.appendChild(document.createTextNode(text.slice(last, m[0])));
      e.appendChild(el('mark', '', text.slice(m[0], m[1])));
      last = m[1];
    });
    e.appendChild(document.createTextNode(text.slice(last)));
    return e;
  }
  // group puts hits of one page together, pages in the order of their best
  // hit and each page's best section first (issue #12: "standup" gave
  // five "Daily standup" rows).
  function group(hits) {
    var pages = [], by = {};
    hits.forEach(function (h) {
      var g = by[h.page];
      if (!g) { g = by[h.page] = { title: h.title, url: h.page, hits: [] }; pages.push(g); }
      g.hits.push(h);
    });
    return pages;
  }
  // explain draws a hit's title, section and snippet; words that matched
  // are marked in each, so every hit shows why it matched.
  function explain(parent, h, terms, withTitle) {
    // A section that matched through its page's title shows the title.
    withTitle = withTitle || (h.marks.length === 0 && snippet(h.section || '', terms).marks.length === 0);
    if (withTitle) parent.appendChild(marked('span', 'search-title', h.title, snippet(h.title, terms).marks));
    if (h.section) parent.appendChild(marked('span', 'search-section', h.section, snippet(h.section, terms).marks));
    if (h.snippet) parent.appendChild(marked('span', 'search-snippet', h.snippet, h.marks));
    return !withTitle;
  }
  function countText(n) { return n === 1 ? '1 result' : n + ' results'; }
  function filtersOf(params) {
    return ['kind', 'team', 'tag'].map(function (k) {
      var v = params.get(k);
      return v ? ' ' + k + ':' + v : '';
    }).join('');
  }

  // combobox is the header's search box: the ARIA 1.2 combobox pattern with
  // a listbox of results (options hold no links), the count announced
  // politely and nothing else, Escape closing the list and keeping focus.
  function combobox(input, box) {
    var status = el('div', 'visually-hidden');
    status.setAttribute('role', 'status');
    box.parentNode.insertBefore(status, box.nextSibling);
    var list = el('ul', 'search-list');
    list.id = 'search-listbox';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'Search results');
    var foot = el('p', 'search-foot');
    box.textContent = '';
    box.appendChild(list);
    box.appendChild(foot);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', list.id);
    input.setAttribute('aria-expanded', 'false');
    var seq = 0, timer = 0, active = -1, items = [];

    function open(on) {
      box.hidden = !on;
      input.setAttribute('aria-expanded', on ? 'true' : 'false');
      if (!on) setActive(-1);
    }
    function setActive(i) {
      if (items.length === 0 || i < 0) {
        active = -1;
        input.removeAttribute('aria-activedescendant');
        items.forEach(function (li) { li.classList.remove('active'); li.setAttribute('aria-selected', 'false'); });
        return;
      }
      active = (i + items.length) % items.length;
      items.forEach(function (li, j) {
        li.classList.toggle('active', j === active);
        li.setAttribute('aria-selected', j === active ? 'true' : 'false');
      });
      items[active].scrollIntoView({ block: 'nearest' });
      input.setAttribute('aria-activedescendant', items[active].id);
    }
    function say(text) { if (status.textContent !== text) status.textContent = text; }
    function render(q, hits) {
      list.textContent = '';
      foot.textContent = '';
      items = [];
      setActive(-1);
      if (q.trim() === '') { open(false); say(''); return; }
      var total = hits.total || hits.length;
      group(hits).forEach(function (g) {
        g.hits.forEach(function (h, k) {
          var li = el('li', k === 0 ? 'search-hit' : 'search-hit search-sub');
          li.id = 'search-hit-' + items.length;
          li.setAttribute('role', 'option');
          li.setAttribute('aria-selected', 'false');
          li.setAttribute('data-href', link(h.url));
          if (explain(li, h, hits.terms, k === 0) && k > 0) li.appendChild(el('span', 'visually-hidden', ', in ' + g.title));
          var i = items.length;
          li.addEventListener('mousemove', function () { if (active !== i) setActive(i); });
          li.addEventListener('mousedown', function (ev) { ev.preventDefault(); });
          li.addEventListener('click', function () { location.href = li.getAttribute('data-href'); });
          list.appendChild(li);
          items.push(li);
        });
      });
      if (hits.length === 0) {
        foot.appendChild(el('span', 'search-empty', 'No results for “' + q + '”.'));
      } else {
        foot.appendChild(el('span', 'search-count', countText(total)));
        var all = el('a', 'search-all', 'See all ' + countText(total));
        all.href = link(basePath + 'search/') + '?q=' + encodeURIComponent(q);
        foot.appendChild(all);
      }
      list.hidden = hits.length === 0;
      open(true);
      say(hits.length === 0 ? 'No results' : countText(total));
    }
    function run(q) {
      var my = ++seq;
      if (q.trim() === '') { render(q, []); return; }
      index().then(function (ix) { return ix.search(q, 8); }).then(function (hits) {
        if (my === seq) render(q, hits);
      }, function (err) {
        if (my !== seq) return;
        list.textContent = '';
        foot.textContent = 'Search is unavailable: ' + err.message;
        open(true);
        say('Search is unavailable');
      });
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      var q = input.value;
      timer = setTimeout(function () { run(q); }, 60);
    });
    input.addEventListener('focus', function () { index(); });
    function go() { location.href = items[Math.max(active, 0)].getAttribute('data-href'); }
    // Submitting (Enter, a phone keyboard's Go) opens the selected result
    // when there are results, else the /search/ page.
    if (input.form) {
      input.form.addEventListener('submit', function (ev) {
        if (items.length > 0 && !box.hidden) { ev.preventDefault(); go(); }
      });
    }
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        if (box.hidden && input.value.trim() !== '') { run(input.value); return; }
        setActive(ev.key === 'ArrowDown' ? active + 1 : (active < 0 ? items.length - 1 : active - 1));
      } else if (ev.key === 'Escape') {
        if (!box.hidden) open(false);
        else input.value = '';
      }
    });
    // Escape anywhere in the open results returns to the box.
    box.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape') { open(false); input.focus(); }
    });
    document.addEventListener('keydown', function (ev) {
      var t = ev.target, typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if (((ev.key === 'k' || ev.key === 'K') && (ev.ctrlKey || ev.metaKey)) ||
          (ev.key === '/' && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey)) {
        ev.preventDefault();
        input.focus();
        input.select();
      }
    });
    document.addEventListener('click', function (ev) {
      if (!box.contains(ev.target) && ev.target !== input) open(false);
    });
    var q0 = new URLSearchParams(location.search).get('q');
    if (q0) { input.value = q0; run(q0); } else open(false);
  }

  // resultsPage is the /search/ page: every result grouped by page, the
  // count, and kind/team/tag filters; the address keeps the query, so a
  // result list can be shared.
  function resultsPage(form, box) {
    var input = form.querySelector('input[type=search]');
    var status = el('div', 'visually-hidden');
    status.setAttribute('role', 'status');
    box.parentNode.insertBefore(status, box);
    var seq = 0, timer = 0;
    var params = new URLSearchParams(location.search);
    input.value = params.get('q') || '';
    form.querySelectorAll('select').forEach(function (s) { s.value = params.get(s.name) || ''; });

    function run() {
      var my = ++seq, fd = new URLSearchParams(new FormData(form));
      ['kind', 'team', 'tag'].forEach(function (k) { if (!fd.get(k)) fd.delete(k); });
      history.replaceState(null, '', '?' + fd.toString());
      var q = (fd.get('q') || '') + filtersOf(fd);
      if (q.trim() === '') { box.textContent = ''; status.textContent = ''; return; }
      index().then(function (ix) { return ix.search(q, 100); }).then(function (hits) {
        if (my !== seq) return;
        box.textContent = '';
        var total = hits.total || hits.length;
        var head = el('p', 'search-count', hits.length === 0 ? 'No results.' : countText(total) +
          (total > hits.length ? ', the best ' + hits.length + ' shown' : ''));
        box.appendChild(head);
        var ol = el('ol', 'search-groups');
        group(hits).forEach(function (g) {
          var li = el('li', 'search-group');
          g.hits.forEach(function (h, k) {
            var a = el('a', k === 0 ? 'search-link' : 'search-link search-sub');
            a.href = link(h.url);
            explain(a, h, hits.terms, k === 0);
            li.appendChild(a);
          });
          ol.appendChild(li);
        });
        box.appendChild(ol);
        status.textContent = hits.length === 0 ? 'No results' : countText(total);
      }, function (err) {
        if (my === seq) box.textContent = 'Search is unavailable: ' + err.message;
      });
    }
    form.addEventListener('submit', function (ev) { ev.preventDefault(); run(); });
    form.addEventListener('change', run);
    input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 120); });
    run();
  }

  function start() {
    // Marks the page once the script has run, so tests (and CSS) can tell
    // the enhanced search from the no-JS form.
    document.documentElement.classList.add('search-js');
    var page = document.querySelector('.search-page-form');
    var results = document.getElementById('search-results');
    if (page && results && page.querySelector('select')) resultsPage(page, results);
    var input = document.getElementById('search-input');
    var box = document.querySelector('.site-header #search-results');
    if (input && box) combobox(input, box);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})(typeof globalThis !== 'undefined' ? globalThis : this);

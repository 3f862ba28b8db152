/*
 * qingdan search: the query side of the static index built by qingdan.search.
 *
 * One file serves the browser (the /search/ page) and node (the Python tests
 * and benchmarks run this very ranking through node-query.js), so there is a
 * single ranking. Tokenising must stay in step with scripts/qingdan/search/tokens.py
 * and decoding with postings.py; tests/search/test_tokens.py checks both.
 *
 * A query is cut into tokens (Chinese: overlapping character pairs, or the
 * character itself when it stands alone; article numbers such as 第三十五条
 * whole; letters and digits: the whole word, matched as a prefix). Only the
 * index shards holding those tokens are fetched. The query is also tried with
 * each word of a synonym group (meta.synonyms, from search/synonyms.yml and the
 * site settings) replaced by the others. A document matches when it has all
 * of a phrasing's tokens, or at least half of three or more: matches are ranked
 * by how many tokens they lack, then by the best field holding those they have
 * (name > code > legal basis > other), then by how many of them the name
 * lacks, then by tie class (in force first, shorter names first: the class
 * file, one character per document) and document number. The documents
 * shown are then checked against the query as a phrase: name equals it >
 * name starts with it > name contains it > a code starts with it > a legal
 * basis contains it > the rest, in the order above.
 */
(function () {
  "use strict";

  // One run of ideographs, or one word: letters and digits with single joiners between them.
  var SEGMENT = /([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}]+)|([0-9a-z]+(?:[-_./][0-9a-z]+)*)/gu;
  var JOINERS = "-_./";
  var MAX_WORD = 32;
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var BITMAP = "~";
  // The lists of a token's value, in this order (index.py FIELDS), best first.
  var NAME = 0;
  var CODE = 1;
  var BASIS = 2;
  var OTHER = 3;
  var PAGE = 10;
  var MAX_TOKENS = 32;
  var MAX_PHRASINGS = 4;
  var PUBLIC_CODES = ["power", "negative", "regulation"]; // kinds whose code is published

  // ------------------------------------------------------------ tokens

  function normalize(text) {
    return String(text).normalize("NFKC").replace(/[A-Z]+/g, function (s) {
      return s.toLowerCase();
    });
  }

  /** [["han", run] | ["word", word], …] of the normalised text: see tokens.py. */
  function segments(text) {
    var out = [];
    var normal = normalize(text);
    var match;
    SEGMENT.lastIndex = 0;
    while ((match = SEGMENT.exec(normal))) out.push(match[1] ? ["han", match[1]] : ["word", match[2]]);
    return out;
  }

  function stripJoiners(word) {
    return word.replace(/[-_./]/g, "");
  }

  /** Normalised text without separators: what phrase matching compares. */
  function compact(text) {
    return segments(text)
      .map(function (s) {
        return stripJoiners(s[1]);
      })
      .join("");
  }

  function wordKey(word) {
    return word.slice(0, MAX_WORD).replace(/[-_./]+$/, "");
  }

  function hanTokens(run, tokens) {
    var chars = Array.from(run);
    if (chars.length === 1) tokens.push(chars[0]);
    for (var i = 0; i + 1 < chars.length; i++) tokens.push(chars[i] + chars[i + 1]);
  }

  /** The tokens a document must all have to match the query. */
  function queryTokens(text) {
    var tokens = [];
    segments(text).forEach(function (segment) {
      if (segment[0] === "han") {
        // An article number is one token; the text around it is cut apart.
        segment[1].split(/(第[零〇一二三四五六七八九十百千]+[条款项])/).forEach(function (piece, i) {
          if (i % 2) tokens.push(piece);
          else if (piece) hanTokens(piece, tokens);
        });
      } else {
        var key = wordKey(segment[1]);
        if (key.length >= 2) tokens.push(key);
      }
    });
    return tokens.filter(function (t, i) {
      return tokens.indexOf(t) === i;
    });
  }

  var DIGITS = "零一二三四五六七八九";

  /** 1 … 999 as laws number articles (第一百一十条). */
  function chineseNumber(n) {
    var hundreds = Math.floor(n / 100);
    var tens = Math.floor(n / 10) % 10;
    var ones = n % 10;
    var out = hundreds ? DIGITS[hundreds] + "百" : "";
    if (tens) out += (tens === 1 && !hundreds ? "" : DIGITS[tens]) + "十";
    else if (hundreds && ones) out += "零";
    return out + (ones ? DIGITS[ones] : "");
  }

  /** The query as the index spells it: 第35条 → 第三十五条 (laws never use digits there). */
  function queryText(text) {
    return normalize(text).replace(/第\s*(\d{1,3})\s*([条款项])/g, function (all, n, unit) {
      return +n ? "第" + chineseNumber(+n) + unit : all;
    });
  }

  // ------------------------------------------------------------ postings

  var VALUE = new Int8Array(128).fill(-1);
  for (var a = 0; a < ALPHABET.length; a++) VALUE[ALPHABET.charCodeAt(a)] = a;

  /** Sorted document numbers from one encoded list (postings.py). */
  function decode(text) {
    return decodeInto(text, 0, []);
  }

  /** The numbers of one encoded list, each plus ``base``, appended to ``out`` (returned). */
  function decodeInto(text, base, out) {
    if (!text) return out;
    var pos = 0;
    function next() {
      var n = 0;
      for (;;) {
        var v = VALUE[text.charCodeAt(pos++)];
        if (v < 0 || v === undefined) throw new Error("bad posting list");
        if (v < 32) return n * 32 + v;
        n = n * 32 + (v - 32);
      }
    }
    if (text.charAt(0) === BITMAP) {
      pos = 1;
      var first = next();
      next(); // the span: implied by the length
      for (var k = 0; pos < text.length; pos++, k += 6) {
        var cell = VALUE[text.charCodeAt(pos)];
        for (var b = 0; b < 6; b++) if (cell & (1 << b)) out.push(base + first + k + b);
      }
      return out;
    }
    var id = base + next();
    out.push(id);
    while (pos < text.length) {
      id += next() + 1;
      out.push(id);
    }
    return out;
  }

  /**
   * A token's value (index.py) as four sorted lists of document numbers, one
   * per field: blocks joined by ";", each the index of a part (numbered from
   * ``bases[part]``) then its four lists joined by "|".
   */
  function decodeValue(value, bases) {
    var fields = [[], [], [], []];
    if (!value) return fields;
    value.split(";").forEach(function (block) {
      var part = 0;
      var pos = 0;
      for (;;) {
        var v = VALUE[block.charCodeAt(pos++)];
        if (v < 0 || v === undefined) throw new Error("bad posting block");
        if (v < 32) {
          part = part * 32 + v;
          break;
        }
        part = part * 32 + (v - 32);
      }
      if (!(part < bases.length)) throw new Error("bad posting block");
      block
        .slice(pos)
        .split("|")
        .forEach(function (text, field) {
          if (field < 4) decodeInto(text, bases[part], fields[field]);
        });
    });
    return fields;
  }

  /** Where each part's numbers start: meta.parts holds the parts' sizes, in order. */
  function partBases(meta) {
    if (!meta.bases) {
      var at = 0;
      meta.bases = meta.parts.map(function (size) {
        var base = at;
        at += size;
        return base;
      });
      // The first pack of each part's document tables (meta.d lists them part after part).
      var pack = 0;
      meta.firstPack = meta.parts.map(function (size) {
        var first = pack;
        pack += Math.ceil(Math.ceil(size / meta.docShard) / meta.tablePack);
        return first;
      });
    }
    return meta.bases;
  }

  /** The part holding document ``id``: the last whose base is at most ``id``. */
  function partOf(bases, id) {
    var low = 0;
    var high = bases.length - 1;
    while (low < high) {
      var mid = (low + high + 1) >> 1;
      if (bases[mid] <= id) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** 32-bit FNV-1a over code points with a final mix (postings.token_hash). */
  function tokenHash(token) {
    var h = 0x811c9dc5;
    for (var ch of token) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    return (h ^ (h >>> 16)) >>> 0;
  }

  /**
   * For each document, how many of the tokens hold it in any field (``all``)
   * and in each field: counted in typed arrays, one pass over the lists, so
   * dense lists cost no sets or sorting.
   */
  function countHolders(perToken, docs) {
    var all = new Uint8Array(docs);
    var stamp = new Int16Array(docs).fill(-1); // the last token that counted a document
    var byField = perToken[0].map(function () {
      return new Uint8Array(docs);
    });
    perToken.forEach(function (fields, t) {
      fields.forEach(function (ids, field) {
        var counts = byField[field];
        for (var i = 0; i < ids.length; i++) {
          var id = ids[i];
          counts[id]++;
          if (stamp[id] !== t) {
            stamp[id] = t;
            all[id]++;
          }
        }
      });
    });
    return { all: all, byField: byField };
  }

  // ------------------------------------------------------------ engine

  /**
   * A search engine over an index read through ``load(path, fresh)``, which
   * resolves to the text of search-index/<path> (``fresh``: revalidate, for
   * meta.json). Files are fetched once and kept.
   */
  function Engine(load) {
    this.load = load;
    this.files = new Map();
  }

  /** A file of the index: parsed when JSON, else its text. */
  Engine.prototype.file = function (path, fresh) {
    var files = this.files;
    if (!files.has(path)) {
      var pending = this.load(path, fresh);
      if (/\.json$/.test(path)) pending = pending.then(JSON.parse);
      pending.catch(function () {
        files.delete(path); // let a later query try again
      });
      files.set(path, pending);
    }
    return files.get(path);
  };

  /**
   * The path of token shard ``n``: in the folder named by the digest of its
   * pack (meta.t, ``meta.pack`` shards each), so it can be cached for good.
   */
  function shardPath(meta, n) {
    return "t/" + meta.t[Math.floor(n / meta.pack)] + "/" + n + ".json";
  }

  /**
   * The path of the document table holding document ``id`` and the row's
   * index in it. Tables belong to one part (``docShard`` documents each,
   * numbered from 0 in each part), in packs of ``meta.tablePack`` tables
   * named by their digest (meta.d: the packs of each part in turn).
   */
  function tableOf(meta, id) {
    var bases = partBases(meta);
    var part = partOf(bases, id);
    var local = id - bases[part];
    var table = Math.floor(local / meta.docShard);
    var pack = meta.firstPack[part] + Math.floor(table / meta.tablePack);
    return { path: "d/" + meta.d[pack] + "/" + table + ".json", row: local - table * meta.docShard };
  }

  /**
   * All matches of ``query`` in rank order, without their documents yet. When
   * the site was rebuilt since meta.json was read, the files it names may be
   * gone: start again from a fresh meta.json once.
   */
  Engine.prototype.search = async function (query) {
    try {
      return await this.searchOnce(query);
    } catch (error) {
      this.files.clear();
      return this.searchOnce(query);
    }
  };

  Engine.prototype.searchOnce = async function (query) {
    var meta = await this.file("meta.json", true);
    var alternatives = phrasings(queryText(query), meta.synonyms || []);
    // A pasted paragraph would fetch a shard per character: its first
    // MAX_TOKENS tokens select, the phrase check in ``page`` ranks.
    var wanted = alternatives.map(function (text) {
      return queryTokens(text).slice(0, MAX_TOKENS);
    });
    alternatives = alternatives.filter(function (text, i) {
      return !i || wanted[i].length;
    });
    wanted = wanted.filter(function (list, i) {
      return !i || list.length;
    });
    var result = {
      query: query, tokens: wanted[0], alternatives: alternatives, meta: meta,
      order: [], approx: new Map(), complete: 0,
    };
    if (!wanted[0].length) return result;
    var all = [];
    wanted.forEach(function (list) {
      list.forEach(function (t) {
        if (all.indexOf(t) < 0) all.push(t);
      });
    });
    var self = this;
    // The tie classes come with the first shards (one request more, in parallel).
    var classes = this.file("c/" + meta.c + ".txt");
    var shards = await Promise.all(
      all.map(function (t) {
        return self.file(shardPath(meta, tokenHash(t) % meta.shards));
      })
    );
    var values = await Promise.all(
      all.map(function (t, i) {
        var value = shards[i][t];
        if (value === undefined) return ""; // no document has it
        // A frequent token's lists live in a file of their own.
        return value.charAt(0) === "@" ? self.file("p/" + value.slice(1) + ".txt") : value;
      })
    );
    var bases = partBases(meta);
    var lists = new Map();
    all.forEach(function (t, i) {
      lists.set(t, decodeValue(values[i], bases));
    });
    var counted = wanted.map(function (list) {
      return countHolders(
        list.map(function (t) {
          return lists.get(t);
        }),
        meta.docs
      );
    });
    var ranked = rankMatches(counted, wanted, result.approx, tieClasses(await classes, meta.docs));
    result.order = ranked.order;
    result.complete = ranked.complete;
    return result;
  };

  /**
   * The query and, for each synonym group (meta.synonyms: lists of words
   * people use for the same thing) with a word in the query, the query with
   * that word replaced by each other word of its group: 营业执照 also looks
   * for 市场主体登记. At most MAX_PHRASINGS, the query itself first.
   */
  function phrasings(text, groups) {
    var out = [text];
    var plain = compact(text);
    groups.forEach(function (group) {
      group.forEach(function (word) {
        var key = compact(word);
        if (!key || plain.indexOf(key) < 0) return;
        group.forEach(function (other) {
          if (other === word || out.length >= MAX_PHRASINGS) return;
          var next = plain.split(key).join(compact(other));
          if (out.indexOf(next) < 0) out.push(next);
        });
      });
    });
    return out;
  }

  /**
   * How many of ``count`` tokens a document must hold to be shown: all of one
   * or two, else at least half. A longer query rarely has every pair of
   * characters in one name (建筑施工许可 against 建筑工程施工许可), so it is
   * ranked by how many it has instead of failing.
   */
  function enough(count) {
    return count <= 2 ? count : Math.ceil(count / 2);
  }

  /** Whether rank key ``a`` ([tokens lacked, field, name lacks]) beats ``b``. */
  function better(a, b) {
    if (!b) return true;
    for (var i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  }

  /** Each document's tie class (index.py tie_class) from the class file's text. */
  function tieClasses(text, docs) {
    if (text.length !== docs) throw new Error("bad class file");
    var out = new Uint8Array(docs);
    for (var i = 0; i < docs; i++) {
      var v = VALUE[text.charCodeAt(i)];
      if (v < 0 || v === undefined) throw new Error("bad class file");
      out[i] = v;
    }
    return out;
  }

  /**
   * The documents holding enough tokens of some phrasing, in rank order before
   * they are fetched: by how many of its tokens the best phrasing lacks, then
   * the best field holding all those it has (name, code, basis, else other),
   * then how many of them the name lacks, then by tie class (``classes``: in
   * force first, shorter names first) and number (the tie order).
   * Records id → [field, name lacks, tokens lacked, phrasing] in ``approx``
   * for ``page``; ``complete`` counts the documents lacking none.
   */
  function rankMatches(counted, wanted, approx, classes) {
    var buckets = [];
    var complete = 0;
    var docs = counted[0].all.length;
    var width = MAX_TOKENS + 1;
    for (var id = 0; id < docs; id++) {
      var best = null;
      for (var a = 0; a < counted.length; a++) {
        var counts = counted[a];
        var needed = wanted[a].length;
        var held = counts.all[id];
        if (!needed || !held || held < enough(needed)) continue;
        var field = OTHER;
        for (var f = NAME; f < OTHER; f++) {
          if (counts.byField[f][id] === held) {
            field = f;
            break;
          }
        }
        var key = [needed - held, field, held - counts.byField[NAME][id], a];
        if (better(key, best)) best = key;
      }
      if (!best) continue;
      if (!best[0]) complete++;
      approx.set(id, [best[1], best[2], best[0], best[3]]);
      var bucket = (best[0] * 4 + best[1]) * width + best[2];
      (buckets[bucket] = buckets[bucket] || []).push(id);
    }
    var order = [];
    buckets.forEach(function (ids) {
      if (ids) byClass(ids, classes, order);
    });
    return { order: order, complete: complete };
  }

  /** Appends ``ids`` (ascending) to ``out`` by tie class, then number: a counting sort. */
  function byClass(ids, classes, out) {
    var starts = new Uint32Array(65);
    var i;
    for (i = 0; i < ids.length; i++) starts[classes[ids[i]] + 1]++;
    for (i = 1; i < 65; i++) starts[i] += starts[i - 1];
    var at = out.length;
    out.length += ids.length;
    for (i = 0; i < ids.length; i++) out[at + starts[classes[ids[i]]]++] = ids[i];
  }

  /** Documents ``offset`` … ``offset + limit`` of a result, verified and ordered. */
  Engine.prototype.page = async function (result, offset, limit) {
    var ids = result.order.slice(offset, offset + (limit || PAGE));
    var meta = result.meta;
    var self = this;
    var rows = await Promise.all(
      ids.map(function (id) {
        var at = tableOf(meta, id);
        return self.file(at.path).then(function (table) {
          return table[at.row];
        });
      })
    );
    var queries = result.alternatives.map(describeQuery);
    var docs = rows.map(function (row, i) {
      var doc = { id: ids[i], rank: (offset || 0) + i };
      meta.docFields.forEach(function (name, k) {
        doc[name] = row[k];
      });
      doc.path = meta.paths[doc.kind].replace("{code}", encodeURIComponent(doc.code));
      var approx = result.approx.get(ids[i]);
      doc.tier = tier(doc, queries[approx[3]], approx[0]);
      doc.missing = approx[1];
      doc.lacks = approx[2];
      return doc;
    });
    return docs.sort(function (x, y) {
      return x.lacks - y.lacks || x.tier - y.tier || x.missing - y.missing || x.rank - y.rank;
    });
  };

  function describeQuery(text) {
    var parts = segments(text);
    return {
      compact: compact(text),
      words: parts
        .filter(function (s) {
          return s[0] === "word";
        })
        .map(function (s) {
          return wordKey(s[1]);
        }),
      hasHan: parts.some(function (s) {
        return s[0] === "han";
      }),
    };
  }

  /** Whether a code has a part-aligned tail starting with ``key`` (as word_tokens indexes). */
  function codeHas(code, key) {
    return segments(code).some(function (segment) {
      if (segment[0] !== "word") return false;
      var word = segment[1];
      for (var start = 0; start < word.length; start++) {
        if ((start === 0 || JOINERS.indexOf(word[start - 1]) >= 0) && word.startsWith(key, start)) {
          return true;
        }
      }
      return false;
    });
  }

  /**
   * The rank of a fetched document, 0 best: its name is the query (0), starts
   * with it (1) or contains it (2); its codes start with the query's words (3);
   * a legal basis contains the query (4); else where ``rankMatches`` found
   * every token (5 + field).
   */
  function tier(doc, query, field) {
    var q = query.compact;
    var name = compact(doc.name);
    var at = q ? name.indexOf(q) : -1;
    if (at === 0) return name === q ? 0 : 1;
    if (at > 0) return 2;
    var codes = [doc.code].concat(doc.codes || []);
    var codeMatch = function (key) {
      return codes.some(function (code) {
        return codeHas(code, key);
      });
    };
    if (query.words.length && !query.hasHan && query.words.every(codeMatch)) return 3;
    var inBasis = function (basis) {
      return compact(basis).indexOf(q) >= 0;
    };
    if (q && (doc.basis || []).some(inBasis)) return 4;
    return 5 + field;
  }

  var api = {
    normalize: normalize,
    segments: segments,
    compact: compact,
    queryTokens: queryTokens,
    queryText: queryText,
    decode: decode,
    decodeValue: decodeValue,
    tokenHash: tokenHash,
    Engine: Engine,
    PAGE: PAGE,
  };

  if (typeof module === "object" && module.exports) {
    module.exports = api;
    return;
  }

  // ------------------------------------------------------------ page

  var script = document.currentScript || document.querySelector('script[src$="assets/qingdan/search.js"]');
  var current = null; // the search box on the page now (instant navigation may swap it)

  var TEXT = {
    searching: "正在搜索…",
    empty: "请输入事项名称、编码、法律法规或部门名称。",
    tooShort: "请至少输入一个汉字，或两个字母、数字。",
    failed: "搜索暂时不可用：索引文件加载失败，请稍后重试。",
    none: function (q) {
      return "没有找到与“" + q + "”相关的结果。请检查输入，或换用较短的关键词。";
    },
    found: function (n, shown, complete) {
      var text = shown < n ? "共找到 " + n + " 条，已显示 " + shown + " 条" : "共找到 " + n + " 条";
      if (complete === n) return text;
      if (!complete) return "没有完全符合的结果，以下 " + n + " 条包含部分关键词" + (shown < n ? "，已显示 " + shown + " 条" : "");
      return text + "；前 " + complete + " 条包含全部关键词，其余包含部分关键词";
    },
    basis: "依据：",
  };

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function renderDoc(doc, root) {
    var item = element("li", "qd-search__result");
    var link = element("a", "qd-search__name", doc.name);
    link.href = new URL(doc.path, root).href;
    item.appendChild(link);
    if (doc.status) item.appendChild(element("span", "qd-search__badge", doc.status));
    // Departments and laws are known by name; their ids are internal, never shown.
    var code = PUBLIC_CODES.indexOf(doc.kind) >= 0 ? doc.code : "";
    var meta = [doc.label, code, doc.kind === "department" ? "" : doc.dept].filter(Boolean);
    item.appendChild(element("p", "qd-search__meta", meta.join(" · ")));
    if (doc.basis && doc.basis.length) {
      item.appendChild(element("p", "qd-search__basis", TEXT.basis + doc.basis.slice(0, 3).join("；")));
    }
    return item;
  }

  function init() {
    var box = document.querySelector("[data-qd-search]");
    if (!box || box.getAttribute("data-qd-ready")) return;
    box.setAttribute("data-qd-ready", "1");
    var root = new URL("../../", script.src); // the site root, from assets/qingdan/search.js
    var engine = new Engine(function (path, fresh) {
      var url = new URL("search-index/" + path, root);
      return fetch(url, fresh ? { cache: "no-cache" } : {}).then(function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.text();
      });
    });
    var form = box.querySelector("form");
    var input = box.querySelector("input[name=q]");
    var status = box.querySelector("[data-qd-status]");
    var list = box.querySelector("[data-qd-results]");
    var more = box.querySelector("[data-qd-more]");
    var state = { seq: 0, result: null, shown: 0 };

    function say(text) {
      status.textContent = text;
    }

    async function showMore(focusFirst) {
      var seq = state.seq;
      var docs = await engine.page(state.result, state.shown, PAGE);
      if (seq !== state.seq) return;
      docs.forEach(function (doc, i) {
        var item = renderDoc(doc, root);
        list.appendChild(item);
        if (focusFirst && i === 0) item.querySelector("a").focus();
      });
      state.shown += docs.length;
      more.hidden = state.shown >= state.result.order.length;
      say(TEXT.found(state.result.order.length, state.shown, state.result.complete));
    }

    async function run(query) {
      var seq = ++state.seq;
      list.textContent = "";
      more.hidden = true;
      state.shown = 0;
      if (!query) return say(TEXT.empty);
      if (!queryTokens(queryText(query)).length) return say(TEXT.tooShort);
      say(TEXT.searching);
      list.setAttribute("aria-busy", "true");
      try {
        var result = await engine.search(query);
        if (seq !== state.seq) return;
        state.result = result;
        if (!result.order.length) return say(TEXT.none(query));
        await showMore(false);
      } catch (error) {
        if (seq === state.seq) say(TEXT.failed);
      } finally {
        if (seq === state.seq) list.removeAttribute("aria-busy");
      }
    }

    function fromLocation() {
      var query = (new URLSearchParams(location.search).get("q") || "").trim();
      input.value = query;
      if (query) return run(query);
      state.seq++;
      list.textContent = "";
      more.hidden = true;
      say("");
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = input.value.trim();
      var url = new URL(location.href);
      url.searchParams.set("q", query);
      history.pushState(null, "", url);
      run(query);
    });
    more.addEventListener("click", function () {
      showMore(true).catch(function () {
        say(TEXT.failed);
      });
    });
    current = fromLocation;
    fromLocation();
  }

  window.qingdanSearch = api;
  api.init = init;
  window.addEventListener("popstate", function () {
    if (current && document.querySelector("[data-qd-search]")) current();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  // MkDocs Material's instant navigation swaps pages without reloading scripts.
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
})();

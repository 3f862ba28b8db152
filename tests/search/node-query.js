/*
 * Runs queries through search.js against a built site folder, for tests and
 * benchmarks (tests/search/node_runner.py). Not part of the site.
 *
 *   node node-query.js SEARCH_JS [SITE_DIR] < requests.json > results.json
 *
 * SEARCH_JS is the site's own search.js (scripts/qingdan/assets/search/).
 *
 * requests.json: {"queries": ["食品", …], "limit": 10}. Each query runs on a
 * fresh engine (an empty cache, as a first query in a new browser tab), so
 * "bytes" and "files" are what that query alone downloads from search-index/.
 * {"probe": ["text", …]} instead reports how search.js tokenises each text,
 * {"decode": ["list", …]} how it decodes posting lists, and {"decodeValue": [[value, bases], …]}
 * how it decodes a token's value of several parts' blocks (no SITE_DIR needed).
 */
"use strict";

const fs = require("fs");
const path = require("path");
const search = require(path.resolve(process.argv[2]));

function loader(root, fetched) {
  return async function (relpath) {
    const data = await fs.promises.readFile(path.join(root, "search-index", relpath));
    fetched.push([relpath, data.length]);
    return data.toString("utf8");
  };
}

async function runOne(root, query, limit) {
  const fetched = [];
  const engine = new search.Engine(loader(root, fetched));
  const started = process.hrtime.bigint();
  const result = await engine.search(query);
  const docs = await engine.page(result, 0, limit);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    query: query,
    tokens: result.tokens,
    total: result.order.length,
    complete: result.complete,
    alternatives: result.alternatives,
    results: docs.map((d) => ({ kind: d.kind, path: d.path, name: d.name, code: d.code, tier: d.tier, lacks: d.lacks })),
    fetched: fetched,
    files: fetched.length,
    bytes: fetched.reduce((sum, f) => sum + f[1], 0),
    ms: ms,
  };
}

async function main() {
  const root = process.argv[3];
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  if (request.probe) return write(request.probe.map(probe));
  if (request.decode) return write(request.decode.map(search.decode));
  if (request.decodeValue) return write(request.decodeValue.map((v) => search.decodeValue(v[0], v[1])));
  const out = [];
  for (const query of request.queries) out.push(await runOne(root, query, request.limit || search.PAGE));
  write(out);
}

function probe(text) {
  const tokens = search.queryTokens(text);
  return {
    segments: search.segments(text),
    compact: search.compact(text),
    tokens: tokens,
    hashes: tokens.map(search.tokenHash),
  };
}

function write(value) {
  process.stdout.write(JSON.stringify(value));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  process.exit(1);
});

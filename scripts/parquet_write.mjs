// parquet_write.mjs: DuckDB writes Parquet files for tests/parquet_read_interop_test.cpp (label
// `interop`): one table, written with each page version and compression, and the table's rows
// as DuckDB itself prints them, for our reader (formats/parquet_read.h) to match.
//   node scripts/parquet_write.mjs --oracles .cache/oracles --out DIR [--rows N]
// Writes DIR/<v1|v2>-<codec>.parquet (codec: uncompressed, snappy, gzip, zstd; row groups of
// 2048 rows) and prints one JSON object: {"files": [names], "rows": [row objects, in order]}.
// DuckDB picks the encodings: v1 pages PLAIN and PLAIN_DICTIONARY; v2 pages RLE_DICTIONARY,
// DELTA_BINARY_PACKED (integers), BYTE_STREAM_SPLIT (floats) and DELTA_LENGTH_BYTE_ARRAY
// (strings). Exit status 2 when DuckDB is missing (scripts/fetch_oracles), 1 on any failure.
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const args = process.argv.slice(2)
let oracles = '.cache/oracles'
let out
let rows = 5000
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--oracles') oracles = args[++i]
  else if (args[i] === '--out') out = args[++i]
  else if (args[i] === '--rows') rows = Number(args[++i])
}
if (!out) {
  process.stderr.write('parquet_write: no --out directory given\n')
  process.exit(2)
}

const base = resolve(oracles, 'duckdb')
if (!existsSync(join(base, 'node_modules', '@duckdb/node-api'))) {
  process.stderr.write(`parquet_write: @duckdb/node-api is not installed in ${base} (scripts/fetch_oracles)\n`)
  process.exit(2)
}
const require = createRequire(join(base, 'package.json'))
const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href)

// Every kind the reader returns: integers of both widths (negative too), floats, booleans,
// strings of low cardinality (dictionary) and high (plain / delta), non-ASCII text, empty
// strings, nulls at several levels, a struct (read as dotted leaves) and a list (skipped).
const query = `SELECT
  i::INTEGER AS i,
  (i * 1000000007 - 2500000000000)::BIGINT AS big,
  (i * 0.5)::FLOAT AS f,
  (i / 7.0)::DOUBLE AS d,
  (i % 3 = 0) AS ok,
  'agent-' || (i % 13) AS label,
  CASE WHEN i % 11 = 0 THEN '' ELSE md5(i::VARCHAR) || ' caf\u00e9 \u2713' END AS text,
  CASE WHEN i % 4 = 0 THEN NULL ELSE 'x' || i END AS maybe,
  CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 7 - 3)::INTEGER END AS n,
  CASE WHEN i % 6 = 0 THEN NULL ELSE (i % 2 = 1) END AS flag,
  CASE WHEN i % 9 = 0 THEN NULL ELSE {'a': (i * 3)::BIGINT, 't': 'tpl-' || (i % 37)} END AS meta,
  ['t' || (i % 3), 'u'] AS tags
FROM range(${rows}) AS r(i) ORDER BY i`

try {
  mkdirSync(out, { recursive: true })
  const db = await DuckDBInstance.create(':memory:', { threads: '1' })
  const con = await db.connect()
  const files = []
  for (const version of ['v1', 'v2']) {
    for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd']) {
      const name = `${version}-${codec}.parquet`
      const path = join(out, name).replaceAll("'", "''")
      await con.run(`COPY (${query}) TO '${path}' (FORMAT parquet, COMPRESSION ${codec}, ` +
        `PARQUET_VERSION ${version}, ROW_GROUP_SIZE 2048)`)
      files.push(name)
    }
  }
  const res = await con.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM (${query}) AS t`)
  // to_json's text is kept as is: parsing it here would round int64 values.
  process.stdout.write(`{"files":${JSON.stringify(files)},"rows":[` +
    res.getRows().map(r => r[0]).join(',') + ']}\n')
} catch (err) {
  process.stderr.write(`parquet_write: ${err && err.stack || err}\n`)
  process.exit(1)
}

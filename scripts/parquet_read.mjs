// parquet_read.mjs: reads a Parquet file with an independent reader and prints it as one JSON
// object, for tests/parquet_interop_test.cpp (label `interop`).
//   node scripts/parquet_read.mjs --oracles .cache/oracles --engine hyparquet|duckdb FILE
// Output: {"engine": ..., "types": {column: type text}, "rows": [row objects, file order],
//          "chunks": [{"row_group", "path", "codec", "encodings", "num_values", "null_count",
//                      "min", "max"}]}
// hyparquet: .cache/oracles/hyparquet (hyparquet + hyparquet-compressors, pure JS); types are
// "<repetition> <physical type>[ <logical type>]", nested as STRUCT<..> / LIST<..>.
// duckdb: .cache/oracles/duckdb (@duckdb/node-api); types are DuckDB's, rows come from to_json.
// Integers are printed exactly (int64 too), -0 as -0.0. Exit status 2 when the oracle is missing,
// 1 when the file cannot be read.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

function usage(msg) {
  process.stderr.write(`parquet_read: ${msg}\n`)
  process.exit(2)
}

const args = process.argv.slice(2)
let oracles = '.cache/oracles'
let engine = 'hyparquet'
let file
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--oracles') oracles = args[++i]
  else if (args[i] === '--engine') engine = args[++i]
  else file = args[i]
}
if (!file) usage('no file given')

async function load(dir, pkg) {
  const base = resolve(oracles, dir)
  if (!existsSync(join(base, 'node_modules', pkg))) usage(`${pkg} is not installed in ${base} (scripts/fetch_oracles)`)
  const require = createRequire(join(base, 'package.json'))
  return import(pathToFileURL(require.resolve(pkg)).href)
}

// JSON with exact bigints and signed zeros (JSON.stringify has neither).
function toJson(v) {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') return Object.is(v, -0) ? '-0.0' : JSON.stringify(v)
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v)
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return '[' + Array.from(v, toJson).join(',') + ']'
  return '{' + Object.keys(v).map(k => JSON.stringify(k) + ':' + toJson(v[k])).join(',') + '}'
}

function hyparquetType(node) {
  const e = node.element
  const rep = (e.repetition_type || 'REQUIRED').toLowerCase()
  if (node.children.length === 0) {
    return `${rep} ${e.type}` + (e.logical_type ? ` ${e.logical_type.type}` : '')
  }
  if (e.converted_type === 'LIST' || e.logical_type?.type === 'LIST') {
    return `${rep} LIST<${hyparquetType(node.children[0].children[0])}>`
  }
  return `${rep} STRUCT<` + node.children.map(c => `${c.element.name}: ${hyparquetType(c)}`).join(', ') + '>'
}

async function readHyparquet() {
  const { parquetMetadata, parquetReadObjects, parquetSchema } = await load('hyparquet', 'hyparquet')
  const { compressors } = await load('hyparquet', 'hyparquet-compressors')
  const buf = readFileSync(file)
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)
  const meta = parquetMetadata(ab)
  const types = {}
  for (const c of parquetSchema(meta).children) types[c.element.name] = hyparquetType(c)
  const rows = await parquetReadObjects({ file: ab, compressors })
  const chunks = []
  meta.row_groups.forEach((rg, g) => {
    for (const c of rg.columns) {
      const m = c.meta_data
      const s = m.statistics || {}
      chunks.push({ row_group: g, path: m.path_in_schema.join('.'), codec: m.codec,
        encodings: m.encodings, num_values: m.num_values, null_count: s.null_count,
        min: s.min_value, max: s.max_value })
    }
  })
  return `{"engine":"hyparquet","created_by":${toJson(meta.created_by)},"num_rows":${toJson(meta.num_rows)},` +
    `"types":${toJson(types)},"rows":${toJson(rows)},"chunks":${toJson(chunks)}}`
}

async function readDuckdb() {
  const { DuckDBInstance } = await load('duckdb', '@duckdb/node-api')
  const db = await DuckDBInstance.create(':memory:', { threads: '1' })
  const con = await db.connect()
  const src = `read_parquet('${file.replaceAll("'", "''")}')`
  const head = await con.runAndReadAll(`SELECT * FROM ${src} LIMIT 0`)
  const types = {}
  head.columnNames().forEach((n, i) => { types[n] = head.columnTypes()[i].toString() })
  const rows = await con.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM ${src} AS t`)
  const meta = await con.runAndReadAll(
    `SELECT row_group_id, path_in_schema, compression, encodings, num_values, ` +
    `stats_null_count, stats_min_value, stats_max_value FROM parquet_metadata('${file.replaceAll("'", "''")}') ` +
    `ORDER BY row_group_id, column_id`)
  const chunks = meta.getRows().map(r => ({ row_group: r[0], path: r[1].replaceAll(', ', '.'),
    codec: r[2], encodings: r[3], num_values: r[4], null_count: r[5], min: r[6], max: r[7] }))
  // to_json's text is kept as is: parsing it here would round int64 values.
  return `{"engine":"duckdb","types":${toJson(types)},"rows":[` +
    rows.getRows().map(r => r[0]).join(',') + `],"chunks":${toJson(chunks)}}`
}

try {
  const out = engine === 'duckdb' ? await readDuckdb() : await readHyparquet()
  process.stdout.write(out + '\n')
} catch (err) {
  process.stderr.write(`parquet_read: ${engine}: ${file}: ${err && err.stack || err}\n`)
  process.exit(1)
}

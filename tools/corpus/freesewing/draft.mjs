#!/usr/bin/env node
/*
 * Drafts every whole-garment FreeSewing design at three sizes from
 * @freesewing/models and writes, into <repo>/corpus/freesewing/:
 *
 *   <design>_<model>.svg   the pattern exactly as FreeSewing's core renders it
 *                          (Pattern.draft().render(), millimetre SVG)
 *   <design>_<model>.json  sidecar with per-part cutting info taken from the
 *                          pattern store (cutlist), part titles and numbers
 *   manifest.json          one entry per (design, model): status, files, sizes
 *   SOURCES.md             provenance: packages, versions, models, licence
 *
 * Usage:  cd tools/corpus/freesewing && npm ci && node draft.mjs [design ...]
 *
 * Settings: FreeSewing defaults plus complete: true, paperless: false, sa: 0,
 * units: 'metric'. The date printed in each part's title is pinned to
 * CORPUS_DATE (default below) so that re-running gives byte-identical files.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as models from '@freesewing/models'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '..', '..', '..')
const outDir = path.join(repoRoot, 'corpus', 'freesewing')

/* ------------------------------------------------------------------ */
/* Pin the date that the title macro prints (new Date() with no args)  */
/* ------------------------------------------------------------------ */
const CORPUS_DATE = process.env.CORPUS_DATE || '2026-12-04'
const FIXED_MS = Date.parse(`${CORPUS_DATE}T12:00:00Z`)
if (Number.isNaN(FIXED_MS)) throw new Error(`Bad CORPUS_DATE: ${CORPUS_DATE}`)
const RealDate = Date
globalThis.Date = class extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(FIXED_MS)
    else super(...args)
  }
  static now() {
    return FIXED_MS
  }
}

/* ------------------------------------------------------------------ */
/* Model sets, chosen per audience                                     */
/* ------------------------------------------------------------------ */
const SIZES = {
  menswear: ['cisMaleAdult36', 'cisMaleAdult42', 'cisMaleAdult48'],
  womenswear: ['cisFemaleAdult30', 'cisFemaleAdult36', 'cisFemaleAdult42'],
  // Unisex designs: a small female, a mid male and a large male body
  unisex: ['cisFemaleAdult32', 'cisMaleAdult38', 'cisMaleAdult46'],
}

/*
 * Whole-garment designs published on npm (FreeSewing v4).
 * category: top | hoodie | jacket | trousers | shorts | skirt | dress | jumpsuit | underwear | swimwear
 * Skipped on purpose (not garments, or blocks): albert (apron), benjamin (bow tie),
 * bob (bib), florence (face mask), florent (flat cap), hi / octoplushy (plush toys),
 * holmes (hat), hortensia / magde (bags), lucy (pocket), trayvon (tie),
 * library (shared parts), bella / bent / brian / breanna / noble / titan (blocks).
 * Not on npm (404) although in FreeSewing's collection: gozer, hannah, otis,
 * polly, skully, uma, umbra.
 */
export const DESIGNS = {
  aaron: { category: 'top', audience: 'menswear', note: 'A-shirt / tank top' },
  ashley: { category: 'shorts', audience: 'unisex', note: 'A-line shorts' },
  bee: { category: 'swimwear', audience: 'womenswear', note: 'bikini top' },
  bibi: { category: 'top', audience: 'womenswear', note: 'knit top (tagged "blocks" too, but drafts a full top)' },
  bruce: { category: 'underwear', audience: 'menswear', note: 'boxer briefs' },
  carlita: { category: 'jacket', audience: 'womenswear', note: 'long coat (Carlton for people with breasts)' },
  carlton: { category: 'jacket', audience: 'menswear', note: 'long coat' },
  cathrin: { category: 'underwear', audience: 'womenswear', note: 'underbust corset' },
  charlie: { category: 'trousers', audience: 'menswear', note: 'chinos' },
  cornelius: { category: 'trousers', audience: 'unisex', note: 'cycling breeches' },
  crux: { category: 'trousers', audience: 'unisex', note: 'climbing / hiking pants' },
  devon: { category: 'jacket', audience: 'menswear', note: 'denim jacket' },
  diana: { category: 'top', audience: 'womenswear', note: 'draped-neck top' },
  huey: { category: 'hoodie', audience: 'menswear', note: 'zip-up hoodie' },
  hugo: { category: 'hoodie', audience: 'menswear', note: 'raglan hooded jumper' },
  jaeger: { category: 'jacket', audience: 'menswear', note: 'sport coat' },
  jane: { category: 'dress', audience: 'womenswear', note: '1790s shift (historical, full-length undergarment)' },
  jett: { category: 'jacket', audience: 'menswear', note: 'bomber / letterman jacket' },
  lily: { category: 'trousers', audience: 'womenswear', note: 'leggings' },
  lumina: { category: 'trousers', audience: 'womenswear', note: 'leggings' },
  lumira: { category: 'trousers', audience: 'womenswear', note: 'leggings' },
  lunetius: { category: 'jacket', audience: 'unisex', note: 'lacerna (Roman cloak)' },
  onyx: { category: 'jumpsuit', audience: 'unisex', note: 'one-piece (swimsuit / pyjamas)' },
  opal: { category: 'jumpsuit', audience: 'unisex', note: 'overalls' },
  paco: { category: 'trousers', audience: 'unisex', note: 'summer pants' },
  penelope: { category: 'skirt', audience: 'womenswear', note: 'pencil skirt' },
  percy: { category: 'shorts', audience: 'unisex', note: 'fall-front puffy shorts' },
  sabrina: { category: 'top', audience: 'womenswear', note: 'sports top' },
  sandy: { category: 'skirt', audience: 'womenswear', note: 'circle skirt' },
  sarah: { category: 'skirt', audience: 'womenswear', note: 'basic skirt (Aldrich skirt block)' },
  sasha: { category: 'dress', audience: 'womenswear', note: 'skater dress' },
  shale: { category: 'shorts', audience: 'unisex', note: 'shorts' },
  shelly: { category: 'top', audience: 'unisex', note: 'raglan shirt / swim shirt' },
  shin: { category: 'swimwear', audience: 'menswear', note: 'swim trunks (shorts)' },
  simon: { category: 'top', audience: 'menswear', note: 'button-down shirt' },
  simone: { category: 'top', audience: 'womenswear', note: 'button-down shirt (with bust adjustment)' },
  sophie: { category: 'dress', audience: 'womenswear', note: 'slip dress' },
  sunny: { category: 'skirt', audience: 'womenswear', note: '18th-century split-side skirt' },
  sven: { category: 'top', audience: 'menswear', note: 'sweater' },
  tamiko: { category: 'top', audience: 'unisex', note: 'zero-waste top' },
  teagan: { category: 'top', audience: 'menswear', note: 'T-shirt' },
  tiberius: { category: 'top', audience: 'unisex', note: 'tunica (Roman tunic)' },
  tina: { category: 'top', audience: 'womenswear', note: 'fake wrap top' },
  toni: { category: 'top', audience: 'womenswear', note: 'fitted top' },
  tristan: { category: 'top', audience: 'womenswear', note: 'fitted princess-seam top' },
  wahid: { category: 'top', audience: 'menswear', note: 'waistcoat' },
  walburga: { category: 'top', audience: 'unisex', note: 'wappenrock / tabard' },
  waralee: { category: 'trousers', audience: 'unisex', note: 'wrap pants' },
  yuri: { category: 'hoodie', audience: 'menswear', note: 'zipless hooded sweater (Huey-based)' },
}

const SETTINGS = { complete: true, paperless: false, sa: 0, units: 'metric' }

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */
const capitalize = (s) => s[0].toUpperCase() + s.slice(1)
const r2 = (n) => Math.round(n * 100) / 100
const pkgVersion = (name) =>
  JSON.parse(fs.readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version

/** Parse 'translate(x, y)' (the only transform FreeSewing's auto layout emits) */
function parseTranslate(t) {
  if (!t) return { x: 0, y: 0 }
  const m = /^\s*translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)\s*$/.exec(t)
  return m ? { x: parseFloat(m[1]), y: parseFloat(m[2]) } : null
}

/** For each rendered part group, list the ids and classes of its <path> elements */
function scanSvg(svg) {
  const parts = {}
  const re = /<g id="fs-stack-([^"]+?)-part-([^"]+)"\s*transform="([^"]*)">([\s\S]*?)<!-- end of group #fs-stack-\1-part-\2 -->/g
  let m
  while ((m = re.exec(svg))) {
    const [, stack, part, transform, body] = m
    const paths = []
    const pre = /<path\b([^>]*)>/g
    let p
    while ((p = pre.exec(body))) {
      const id = /\bid="([^"]+)"/.exec(p[1])
      const cls = /\bclass="([^"]*)"/.exec(p[1])
      if (id) paths.push({ id: id[1], class: cls ? cls[1] : '' })
    }
    parts[part] = { stack, transform, paths }
  }
  const stackT = {}
  const sre = /<g id="fs-stack-([^"]+)"\s*transform="([^"]*)">/g
  let s
  while ((s = sre.exec(svg))) if (!s[1].includes('-part-')) stackT[s[1]] = s[2]
  return { parts, stackT }
}

// Material classes FreeSewing puts on cut lines (class="fabric", "lining", ...)
const MATERIAL_CLASSES = ['fabric', 'lining', 'interfacing', 'canvas', 'various', 'plastic']

// Class tokens that mark a path as a stitch / fold / help line rather than a cut line
const NON_OUTLINE = ['help', 'dashed', 'dotted', 'lashed', 'sa', 'fold', 'mark', 'note', 'hidden']

/** Closed: ends with 'close' or ends where it starts */
function isClosed(p) {
  if (p.ops.at(-1)?.type === 'close') return true
  try {
    return p.start().dist(p.end()) < 0.01
  } catch {
    return false
  }
}

function sidecar(pattern, svg, meta) {
  const store = pattern.setStores[0]
  const cutlist = store.get('cutlist', {}) || {}
  const titles = store.get('partTitles', {}) || {}
  const numbers = store.get('partNumbers', {}) || {}
  const { parts: rendered, stackT } = scanSvg(svg)
  const parts = []
  for (const [name, info] of Object.entries(rendered)) {
    const part = pattern.parts[0][name]
    const cl = cutlist[name] || {}
    const cut = []
    for (const [material, list] of Object.entries(cl.materials || {})) {
      for (const c of list) {
        cut.push({
          material,
          count: c.cut,
          identical: !!c.identical,
          onFold: !!c.onFold,
          onBias: !!c.onBias,
        })
      }
    }
    const st = parseTranslate(stackT[info.stack])
    const pt = parseTranslate(info.transform)
    const offset = st && pt ? { x: st.x + pt.x, y: st.y + pt.y } : null
    let fold = null
    if (Array.isArray(cl.cutOnFold) && cl.cutOnFold.length === 2) {
      fold = {
        part: cl.cutOnFold.map((p) => [r2(p.x), r2(p.y)]),
        svg: offset ? cl.cutOnFold.map((p) => [r2(p.x + offset.x), r2(p.y + offset.y)]) : null,
      }
    }
    // Every <path> FreeSewing rendered for this part (hidden paths are not rendered)
    const renderedIds = new Set(info.paths.map((p) => p.id))
    const paths = []
    for (const [key, p] of Object.entries(part?.paths || {})) {
      const id = p.attributes.get('id')
      if (p.hidden || !renderedIds.has(id)) continue
      const cls = (p.attributes.get('class') || '').trim()
      if (key.startsWith('__macro_') || cls === 'hidden') continue // annotations, text carriers
      paths.push({ key, id, class: cls, closed: isClosed(p) })
    }
    // Outline: FreeSewing's convention is paths.seam; else a closed path whose class
    // starts with a material name ("fabric", "fabric lining", ...) and is not a
    // stitch/help line; else a closed path named like an outline. Otherwise null, and
    // outlinePieces lists the open material-class paths that together form the outline.
    const isLine = (c) => c.split(/\s+/).some((t) => NON_OUTLINE.includes(t))
    const isMat = (c) => MATERIAL_CLASSES.includes(c.split(/\s+/)[0]) && !isLine(c)
    let outline = paths.find((p) => p.key === 'seam') || null
    let outlineSource = outline ? 'paths.seam' : null
    if (!outline) {
      outline = paths.find((p) => p.closed && isMat(p.class)) || null
      if (outline) outlineSource = 'material-class'
    }
    if (!outline) {
      outline = paths.find((p) => p.closed && /seam|outline|fabric/i.test(p.key) && !isLine(p.class)) || null
      if (outline) outlineSource = 'path-name'
    }
    const outlinePieces = outline ? null : paths.filter((p) => isMat(p.class) || (p.class === '' && !p.closed)).map((p) => p.id)
    parts.push({
      name,
      svgGroupId: `fs-stack-${info.stack}-part-${name}`,
      stack: info.stack,
      title: titles[name] ?? null,
      number: numbers[name] ?? null,
      cut,
      cutOnFold: fold,
      grain: typeof cl.grain === 'number' ? cl.grain : null,
      grainOrigin: cl.grainOrigin ?? null,
      offset: offset ? { x: r2(offset.x), y: r2(offset.y) } : null,
      outline: outline ? { id: outline.id, key: outline.key, class: outline.class, closed: outline.closed, source: outlineSource } : null,
      outlinePieces,
      empty: info.paths.length === 0,
      paths,
    })
  }
  return {
    format: 'atelier-freesewing-sidecar/1',
    design: meta.design,
    package: `@freesewing/${meta.design}`,
    version: meta.version,
    core: meta.core,
    model: meta.model,
    category: meta.category,
    svg: meta.svgFile,
    units: 'mm',
    width: r2(pattern.width),
    height: r2(pattern.height),
    settings: SETTINGS,
    measurements: meta.measurements,
    parts,
  }
}

/* ------------------------------------------------------------------ */
/* Main                                                                */
/* ------------------------------------------------------------------ */
const only = process.argv.slice(2)
const designs = Object.keys(DESIGNS).filter((d) => only.length === 0 || only.includes(d))
fs.mkdirSync(outDir, { recursive: true })
const core = pkgVersion('@freesewing/core')
const manifest = []

for (const design of designs) {
  const { category, audience } = DESIGNS[design]
  const pkg = `@freesewing/${design}`
  const version = pkgVersion(pkg)
  const mod = await import(pkg)
  const Design = mod[capitalize(design)]
  if (typeof Design !== 'function') throw new Error(`${pkg} has no export ${capitalize(design)}`)
  for (const model of SIZES[audience]) {
    const base = `${design}_${model}`
    const entry = { design, package: pkg, version, category, audience, model, status: 'ok' }
    const measurements = models[model]
    if (!measurements) throw new Error(`Unknown model ${model}`)
    try {
      const pattern = new Design({ ...SETTINGS, measurements })
      pattern.draft()
      const svg = pattern.render()
      const logs = pattern.getLogs()
      const errors = [...logs.pattern.error, ...logs.sets.flatMap((s) => s.error)].map(String)
      if (errors.length > 0) throw new Error(errors.join(' | '))
      if (!/<path\s+class="fabric/.test(svg)) {
        const visible = Object.values(pattern.parts[0]).filter((p) => !p.hidden)
        const classless = visible.flatMap((p) => Object.entries(p.paths).filter(([k, q]) => !q.hidden && !k.startsWith('__') && !q.attributes.get('class')))
        throw new Error(
          `drafts without errors, but no <path class="fabric…"> in the SVG: ` +
            `${visible.some((p) => p.paths.seam) ? 'paths.seam has no fabric class' : 'no paths.seam'}; the outline is drawn as ` +
            `${classless.length} class-less open paths (${[...new Set(classless.map(([k]) => k))].slice(0, 6).join(', ')}, ...)`
        )
      }
      const svgFile = `${base}.svg`
      const jsonFile = `${base}.json`
      const side = sidecar(pattern, svg, { design, version, core, model, category, svgFile, measurements })
      fs.writeFileSync(path.join(outDir, svgFile), svg)
      fs.writeFileSync(path.join(outDir, jsonFile), JSON.stringify(side, null, 1) + '\n')
      entry.svg = svgFile
      entry.json = jsonFile
      entry.bytes = Buffer.byteLength(svg)
      entry.parts = side.parts.length
      const q = {
        outlineWithoutClass: side.parts.filter((p) => p.outline && p.outline.class === '').map((p) => p.name),
        outlineNotFabric: side.parts.filter((p) => p.outline && p.outline.class && !p.outline.class.includes('fabric')).map((p) => `${p.name} (${p.outline.class})`),
        noSingleOutline: side.parts.filter((p) => !p.outline && !p.empty).map((p) => p.name),
        emptyParts: side.parts.filter((p) => p.empty).map((p) => p.name),
        noCutInfo: side.parts.filter((p) => p.cut.length === 0 && !p.empty).map((p) => p.name),
      }
      for (const k of Object.keys(q)) if (q[k].length === 0) delete q[k]
      if (Object.keys(q).length) entry.quirks = q
      const warnings = logs.sets.flatMap((s) => s.warn).map(String)
      if (warnings.length) entry.warnings = warnings
      console.log(`ok    ${base}  ${side.parts.length} parts  ${(entry.bytes / 1024).toFixed(0)} KiB`)
    } catch (err) {
      entry.status = 'failed'
      entry.error = String(err && err.message ? err.message : err).slice(0, 500)
      for (const ext of ['svg', 'json']) fs.rmSync(path.join(outDir, `${base}.${ext}`), { force: true })
      console.log(`FAIL  ${base}  ${entry.error}`)
    }
    manifest.push(entry)
  }
}

if (only.length === 0) {
  fs.writeFileSync(
    path.join(outDir, 'manifest.json'),
    JSON.stringify({ date: CORPUS_DATE, core, settings: SETTINGS, sizes: SIZES, entries: manifest }, null, 1) + '\n'
  )
  fs.writeFileSync(path.join(outDir, 'SOURCES.md'), sourcesMd(manifest))
}
const failed = manifest.filter((e) => e.status !== 'ok')
console.log(`\n${manifest.length - failed.length} drafted, ${failed.length} failed`)

/* ------------------------------------------------------------------ */
function about(design) {
  try {
    return JSON.parse(fs.readFileSync(path.join(here, 'node_modules', '@freesewing', design, 'about.json'), 'utf8'))
  } catch {
    return {}
  }
}

function sourcesMd(entries) {
  const byDesign = {}
  for (const e of entries) (byDesign[e.design] ??= []).push(e)
  const kb = (n) => `${Math.round(n / 1024)}`
  const names = (x) => [].concat(x || []).join(', ')
  const ok = entries.filter((e) => e.status === 'ok')
  const totalSvg = ok.reduce((a, e) => a + e.bytes, 0)
  let md = `# FreeSewing pattern corpus — sources

Generated ${CORPUS_DATE} by \`tools/corpus/freesewing/draft.mjs\`; regenerate with
\`cd tools/corpus/freesewing && npm ci && node draft.mjs\` (see the README there).
Outputs are deterministic: the date FreeSewing prints in each part title is pinned to
${CORPUS_DATE} (override with \`CORPUS_DATE=YYYY-MM-DD\`).

- Drafting library: \`@freesewing/core\` ${core} (FreeSewing v4, latest 4.x on npm at
  generation time); body measurements from \`@freesewing/models\` ${pkgVersion('@freesewing/models')}.
- Licence: all \`@freesewing/*\` packages are **MIT** — "Copyright (c) 2022 Joost De Cock"
  (FreeSewing monorepo LICENSE; the npm tarballs declare \`"license": "MIT"\` but ship no
  LICENSE file). Full text in \`LICENSE\` next to this file. Design/code authors per design
  are listed below (from each package's \`about.json\`).
- Settings: FreeSewing defaults for every design option, plus
  \`complete: true, paperless: false, sa: 0, units: 'metric'\`.
- **Seam allowance is NOT included** (\`sa: 0\`). The outline path (\`class="fabric"\` in most
  parts) is the seam line. This matches the reference
  \`shared/patterns/freesewing/teagan_cisMaleAdult42.svg\` (4.10.2): its parts contain only
  \`class="fabric"\` outlines and no \`fabric sa\` path, and this corpus's
  \`teagan_cisMaleAdult42.svg\` is byte-identical to it apart from the date in the titles.
  With \`sa > 0\` FreeSewing keeps the same outline and adds a second path
  \`class="fabric sa"\` per part.
- Rendering: \`new Design({ ...settings, measurements }).draft().render()\`, FreeSewing's own
  SVG renderer: width/height in mm, viewBox in mm, one
  \`<g id="fs-stack-<stack>-part-<part>">\` per part inside \`<g id="fs-stack-<stack>">\`.
- ${ok.length} SVG files, ${(totalSvg / 1048576).toFixed(1)} MiB of SVG in total, plus one
  sidecar \`<design>_<model>.json\` per SVG and \`manifest.json\`.
- Sizes: menswear ${SIZES.menswear.join(', ')}; womenswear ${SIZES.womenswear.join(', ')};
  unisex ${SIZES.unisex.join(', ')}.

| design | npm package | version | category | models | SVG KiB each | parts | design / code by | status |
|---|---|---|---|---|---|---|---|---|
`
  for (const [d, list] of Object.entries(byDesign)) {
    const e0 = list[0]
    const a = about(d)
    const good = list.filter((e) => e.status === 'ok')
    const status = good.length === list.length ? 'ok' : good.length === 0 ? 'skipped (see below)' : `${list.length - good.length} failed`
    const by = names(a.design) === names(a.code) ? names(a.design) : `${names(a.design)} / ${names(a.code)}`
    md += `| ${d} — ${DESIGNS[d].note} | \`${e0.package}\` | ${e0.version} | ${e0.category} | ${list
      .map((e) => e.model)
      .join(', ')} | ${list.map((e) => (e.bytes ? kb(e.bytes) : '–')).join(' / ')} | ${good[0]?.parts ?? '–'} | ${by} | ${status} |\n`
  }
  const failed = entries.filter((e) => e.status !== 'ok')
  md += `\n## Failed / skipped\n\n`
  if (failed.length === 0) md += 'None.\n'
  for (const e of failed) md += `- ${e.design} / ${e.model}: ${e.error}\n`
  md += `
## Not included

- Not garments: albert (apron), benjamin (bow tie), bob (bib), florence (face mask),
  florent (flat cap), hi and octoplushy (plush toys), holmes (hat), hortensia and magde
  (bags), lucy (tie-on pocket), trayvon (tie), library (shared parts only).
- Blocks: bella, bent, brian, breanna, noble, titan (bases for other designs); sarah is
  attempted but skipped (above).
- In FreeSewing's collection but not published on npm: gozer, hannah, otis, polly,
  skully, uma, umbra.

## Format notes (differences from the Teagan reference)

The SVGs are FreeSewing's output untouched, so they carry its quirks:

- Cut outlines use the material as class: \`fabric\`, \`lining\`, \`interfacing\`,
  \`canvas\`, \`various\` (ribbing cuffs/waistbands, under-collars, ...). Compound classes
  (\`fabric dashed\`, \`fabric help\`, \`fabric lashed\`, \`fabric sa\`, \`lining dashed\`, ...)
  are stitch, fold or help lines, not outlines. Some designs draw a few \`sa\`/\`fabric sa\`
  paths even with \`sa: 0\` (jett, ashley, percy).
- Cutting info is in the SVG only as untranslated i18n keys in each part's title, e.g.
  \`plugin-annotations:cut,2,plugin-annotations:mirrored,plugin-annotations:from,plugin-annotations:fabric,\`,
  plus the cut-on-fold bracket (\`<path class="note" marker-start="url(#cutonfoldFrom)" …
  data-text="plugin-annotations:cutOnFoldAndGrainline">\`) and grainline
  (\`marker-start="url(#grainlineFrom)"\`). There is no structured data attribute, hence
  the JSON sidecars.
- Parts whose outline path has **no class at all** (drawn, but not \`fabric\`):
${quirkList(ok, 'outlineWithoutClass')}
- Parts with no single outline path (outline split into several open paths; see
  \`outlinePieces\` in the sidecar):
${quirkList(ok, 'noSingleOutline')}
- Empty part groups (rendered \`<g>\` with no paths):
${quirkList(ok, 'emptyParts')}
- Parts without cutlist info in the store:
${quirkList(ok, 'noCutInfo')}

## Sidecar JSON

See \`tools/corpus/freesewing/README.md\` for the exact format.
`
  return md
}

function quirkList(entries, key) {
  const byDesign = {}
  for (const e of entries) for (const n of e.quirks?.[key] || []) (byDesign[e.design] ??= new Set()).add(n)
  const lines = Object.entries(byDesign).map(([d, set]) => `  - ${d}: ${[...set].join(', ')}`)
  return lines.length ? lines.join('\n') : '  - none'
}

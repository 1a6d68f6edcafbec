#!/usr/bin/env python3
"""Regenerate the GarmentCode test corpus (corpus/garmentcode/).

Every pattern is produced by GarmentCode's own program (MetaGarment) from a
design drawn by GarmentCode's own random sampler (pygarment DesignSampler over
assets/design_params/default.yaml), the way its dataset generator
(pattern_sampler.py) does it.  The garment family is forced by overwriting the
meta design parameters (meta.upper.v / meta.bottom.v / meta.wb.v, and a few
style switches such as sleeve.sleeveless.v or collar.component.style.v) right
after sampling; family-specific conditions (e.g. short pants for shorts) are
met by re-sampling, so every other parameter keeps the sampler's distribution.
Every candidate then passes the sampler's own quality filters
(assert_param_combinations, assert_total_length, is_self_intersecting).

This script needs a GarmentCode checkout (it imports `pygarment`, `assets.*`
and `pattern_sampler` from it; nothing of it is copied here) and a Python
environment with GarmentCode's light dependencies; see README.md next to it.

    python make_corpus.py --garmentcode /tmp/gc --seed 20240 [--out corpus/garmentcode]

Outputs, per pattern <family>_<NN>:
    <out>/<name>/specification.json   pattern spec JSON as GarmentCode's
                                      pattern.serialize() writes it (cm)
    <out>/<name>/body.yaml            the GarmentCode body file it is drafted for
    <out>/<name>/design_params.yaml   the sampled design ({'design': ...})
plus the reference specs shipped in GarmentCode's assets/Patterns,
<out>/LICENSE, <out>/manifest.json and <out>/SOURCES.md.
"""

import argparse
import copy
import json
import random
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]

# Bodies shipped by GarmentCode (assets/bodies/*.yaml), cycled over the corpus.
# mean_all_tpose.yaml is mean_all.yaml with arm_pose_angle 0 and is left out.
BODIES = [
    'mean_all',
    'mean_female',
    'mean_male',
    'f_smpl_average_A40',
    'm_smpl_average_A40',
]

# Reference patterns shipped in GarmentCode's assets/Patterns, copied verbatim.
# (name in corpus, family, spec file in assets/Patterns, body file in assets/bodies)
ASSET_PATTERNS = [
    ('shirt_mean', 'asset_tee', 'shirt_mean_specification.json', 'mean_all'),
    ('dress_pencil', 'asset_dress', 'dress_pencil_specification.json', 'mean_all'),
    ('hoody_mean', 'asset_hoody', 'hoody_mean_specification.json', 'mean_all'),
    ('js_mean_all', 'asset_jumpsuit', 'js_mean_all_specification.json', 'mean_all'),
]

UPPERS = ['FittedShirt', 'Shirt']
SKIRTS = ['SkirtCircle', 'AsymmSkirtCircle', 'GodetSkirt', 'Skirt2',
          'SkirtManyPanels', 'PencilSkirt', 'SkirtLevels']


# ---------------------------------------------------------------- families
# Each family: (name, count, description, force(design), accept(design, types))
# force() edits the freshly sampled design in place (may use `random`, which
# is seeded per family); accept() sees the design and GarmentCode's own type
# labels (stats_utils.garment_type) and may reject the draw (=> re-sample).

def _v(design, *path):
    d = design
    for p in path:
        d = d[p]
    return d['v']


def _set(design, value, *path):
    d = design
    for p in path:
        d = d[p]
    d['v'] = value


def _force_upper(design):
    if _v(design, 'meta', 'upper') not in UPPERS:
        _set(design, random.choice(UPPERS), 'meta', 'upper')


def _not_hood(design):
    style = _v(design, 'collar', 'component', 'style')
    return not (style and 'Hood' in style)


def _set_sleeves(design, sleeveless):
    _set(design, sleeveless, 'sleeve', 'sleeveless')
    if not sleeveless:
        _set(design, False, 'shirt', 'strapless')
    if _v(design, 'left', 'enable_asym'):
        _set(design, sleeveless, 'left', 'sleeve', 'sleeveless')
        if not sleeveless:
            _set(design, False, 'left', 'shirt', 'strapless')


def f_tee_sleeves(d):
    _force_upper(d)
    _set(d, None, 'meta', 'bottom')
    _set_sleeves(d, False)


def f_top_sleeveless(d):
    _force_upper(d)
    _set(d, None, 'meta', 'bottom')
    _set_sleeves(d, True)


def f_hoody(d):
    _force_upper(d)
    _set(d, None, 'meta', 'bottom')
    _set(d, False, 'left', 'enable_asym')   # GarmentCode labels only symmetric tops 'hoodie'
    _set(d, 'Hood2Panels', 'collar', 'component', 'style')
    _set_sleeves(d, False)


def _skirt(kind):
    def force(d):
        _set(d, None, 'meta', 'upper')
        _set(d, kind, 'meta', 'bottom')
    return force


def f_pants(d):
    _set(d, None, 'meta', 'upper')
    _set(d, 'Pants', 'meta', 'bottom')


def f_dress(d):
    _force_upper(d)
    if _v(d, 'meta', 'bottom') not in SKIRTS:
        _set(d, random.choice(SKIRTS), 'meta', 'bottom')


def f_jumpsuit(d):
    _force_upper(d)
    _set(d, 'Pants', 'meta', 'bottom')


def a_top(d, t):
    return t['main'] == 'upper_garment' and _not_hood(d)


def a_top_sleeves(d, t):
    return a_top(d, t) and 'with_sleeves' in t['styles']


def a_top_sleeveless(d, t):
    return a_top(d, t) and 'sleeveless' in t['styles']


def a_hoody(d, t):
    return t['main'] == 'upper_garment' and 'hoodie' in t['styles']


def a_skirt(d, t):
    return t['main'] == 'skirt'


def a_pants(d, t):   # trousers: at least mid-calf (fraction of leg length)
    return t['main'] == 'pants' and _v(d, 'pants', 'length') >= 0.6


def a_shorts(d, t):  # well above the knee
    return t['main'] == 'pants' and _v(d, 'pants', 'length') <= 0.35


def a_dress(d, t):
    return t['main'] == 'dress'


def a_jumpsuit(d, t):
    return t['main'] == 'jumpsuit'


FAMILIES = [
    ('tee_sleeves', 3, 'upper garment with sleeves', f_tee_sleeves, a_top_sleeves),
    ('top_sleeveless', 3, 'sleeveless upper garment', f_top_sleeveless, a_top_sleeveless),
    ('hoody', 2, 'upper garment with Hood2Panels', f_hoody, a_hoody),
    ('skirt_circle', 2, 'SkirtCircle', _skirt('SkirtCircle'), a_skirt),
    ('skirt_asymm', 2, 'AsymmSkirtCircle', _skirt('AsymmSkirtCircle'), a_skirt),
    ('skirt_godet', 2, 'GodetSkirt', _skirt('GodetSkirt'), a_skirt),
    ('skirt_pencil', 2, 'PencilSkirt', _skirt('PencilSkirt'), a_skirt),
    ('skirt_levels', 2, 'SkirtLevels', _skirt('SkirtLevels'), a_skirt),
    ('skirt_many_panels', 2, 'SkirtManyPanels', _skirt('SkirtManyPanels'), a_skirt),
    ('skirt2', 2, 'Skirt2', _skirt('Skirt2'), a_skirt),
    ('pants', 2, 'Pants, length >= 0.6 leg', f_pants, a_pants),
    ('shorts', 2, 'Pants, length <= 0.35 leg', f_pants, a_shorts),
    ('dress', 3, 'upper + skirt', f_dress, a_dress),
    ('jumpsuit', 2, 'upper + Pants', f_jumpsuit, a_jumpsuit),
]


# ---------------------------------------------------------------- GarmentCode
def load_garmentcode(gc_path: Path):
    """Import GarmentCode's modules from a checkout."""
    sys.path.insert(0, str(gc_path))
    try:
        import cairosvg  # noqa: F401  (only used by pygarment to draw PNGs)
    except Exception:   # libcairo missing: we never draw, so a stub will do
        sys.modules['cairosvg'] = types.ModuleType('cairosvg')
    import assets.garment_programs.stats_utils as stats_utils
    import pattern_sampler
    import pygarment as pyg
    from assets.bodies.body_params import BodyParameters
    from assets.garment_programs.meta_garment import MetaGarment
    from pygarment.pattern import core
    return types.SimpleNamespace(
        pyg=pyg, core=core, MetaGarment=MetaGarment,
        BodyParameters=BodyParameters, stats_utils=stats_utils,
        assert_param_combinations=pattern_sampler.assert_param_combinations)


def garment_types(gc, name, design):
    props = {'generator': {'stats': {
        'garment_types': {}, 'garment_types_summary': {'main': {}, 'style': {}}}}}
    gc.stats_utils.garment_type(name, design, props)
    return props['generator']['stats']['garment_types'][name]


def gc_commit(gc_path: Path, given):
    if given:
        return given
    try:
        return subprocess.check_output(
            ['git', '-C', str(gc_path), 'rev-parse', 'HEAD'],
            stderr=subprocess.DEVNULL, text=True).strip()
    except Exception:
        return 'unknown'


def write_spec(gc, pattern, folder: Path):
    """Write the spec exactly as pattern.serialize(...) does, minus the images."""
    with tempfile.TemporaryDirectory() as tmp:
        # core.BasicPattern.serialize is the JSON part of VisPattern.serialize
        gc.core.BasicPattern.serialize(pattern, tmp, to_subfolder=False, tag='')
        src = Path(tmp) / f'{pattern.name}_specification.json'
        shutil.copyfile(src, folder / 'specification.json')


def sample_one(gc, sampler, body, name, force, accept, max_tries):
    for attempt in range(1, max_tries + 1):
        design = sampler.randomize()
        force(design)
        sampled = copy.deepcopy(design)   # the garment programs may add keys while drafting
        try:
            types_ = garment_types(gc, name, design)
            if not accept(design, types_):
                continue
            gc.assert_param_combinations(design)
            piece = gc.MetaGarment(name, body, design)
            piece.assert_total_length()
            if piece.is_self_intersecting():
                continue
            pattern = piece.assembly()
            if not pattern.pattern['panels']:
                continue
            return sampled, pattern, types_, attempt
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # GarmentCode's errors derive from BaseException
            print(f'  {name}: attempt {attempt} rejected: {type(e).__name__}: {e}'[:200])
            continue
    raise RuntimeError(f'{name}: no valid design in {max_tries} draws')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    ap.add_argument('--garmentcode', required=True, type=Path,
                    help='path to a GarmentCode checkout (github maria-korosteleva/GarmentCode)')
    ap.add_argument('--seed', type=int, default=20240,
                    help='base seed; family k is seeded with seed + 1000*k')
    ap.add_argument('--out', type=Path, default=REPO_ROOT / 'corpus' / 'garmentcode')
    ap.add_argument('--commit', default=None,
                    help='GarmentCode commit hash to record (default: git rev-parse in the checkout)')
    ap.add_argument('--commit-date', default=None, help='commit date to record in SOURCES.md')
    ap.add_argument('--max-tries', type=int, default=1000)
    args = ap.parse_args()

    gc_path = args.garmentcode.resolve()
    out = args.out.resolve()
    gc = load_garmentcode(gc_path)
    design_file = gc_path / 'assets' / 'design_params' / 'default.yaml'
    bodies_dir = gc_path / 'assets' / 'bodies'
    out.mkdir(parents=True, exist_ok=True)

    manifest = []
    body_cycle = 0
    for k, (family, count, descr, force, accept) in enumerate(FAMILIES):
        family_seed = args.seed + 1000 * k
        random.seed(family_seed)
        sampler = gc.pyg.DesignSampler(str(design_file))
        for i in range(count):
            name = f'{family}_{i:02d}'
            body_name = BODIES[body_cycle % len(BODIES)]
            body_cycle += 1
            body_file = bodies_dir / f'{body_name}.yaml'
            body = gc.BodyParameters(body_file)
            design, pattern, types_, attempt = sample_one(
                gc, sampler, body, name, force, accept, args.max_tries)

            folder = out / name
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            write_spec(gc, pattern, folder)
            shutil.copyfile(body_file, folder / 'body.yaml')
            with open(folder / 'design_params.yaml', 'w') as f:
                # Layout as pattern_sampler._save_sample writes it, but with full float
                # precision (safe_dump skips the '.3g' float representer that
                # pygarment.data_config registers on yaml.Dumper), so that
                # MetaGarment(name, body, design) rebuilds this exact specification.
                yaml.safe_dump({'design': design}, f, default_flow_style=False, sort_keys=False)

            spec = pattern.spec
            entry = dict(
                name=name, family=family, family_description=descr, body=body_name,
                source='GarmentCode DesignSampler + MetaGarment',
                family_seed=family_seed, draw=attempt,
                upper=_v(design, 'meta', 'upper'), bottom=_v(design, 'meta', 'bottom'),
                waistband=_v(design, 'meta', 'wb'),
                garmentcode_type=types_,
                panels=len(spec['pattern']['panels']),
                stitches=len(spec['pattern']['stitches']))
            manifest.append(entry)
            print(f'{name}: body={body_name} upper={entry["upper"]} bottom={entry["bottom"]} '
                  f'wb={entry["waistband"]} panels={entry["panels"]} stitches={entry["stitches"]} '
                  f'type={types_["main"]} {types_["styles"]} (draw {attempt})')

    for name, family, spec_file, body_name in ASSET_PATTERNS:
        src = gc_path / 'assets' / 'Patterns' / spec_file
        if not src.exists():
            print(f'{name}: {src} not in this checkout, skipped')
            continue
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, folder / 'specification.json')
        shutil.copyfile(bodies_dir / f'{body_name}.yaml', folder / 'body.yaml')
        spec = json.loads(src.read_text())
        manifest.append(dict(
            name=name, family=family, family_description=f'GarmentCode assets/Patterns/{spec_file}',
            body=body_name, source=f'GarmentCode assets/Patterns/{spec_file} (verbatim)',
            panels=len(spec['pattern']['panels']), stitches=len(spec['pattern']['stitches'])))

    shutil.copyfile(gc_path / 'LICENSE', out / 'LICENSE')
    commit = gc_commit(gc_path, args.commit)
    with open(out / 'manifest.json', 'w') as f:
        json.dump(dict(garmentcode_commit=commit, seed=args.seed, bodies=BODIES,
                       patterns=manifest), f, indent=1)
    write_sources(out, gc_path, commit, args.commit_date, args.seed, manifest)
    print(f'{len(manifest)} patterns in {out}')


def write_sources(out, gc_path, commit, date, seed, manifest):
    lic = (gc_path / 'LICENSE').read_text().splitlines()
    copyright_line = next((line for line in lic if line.startswith('Copyright')), '')
    lines = [
        '# GarmentCode corpus: sources',
        '',
        'Sewing patterns generated by GarmentCode (https://github.com/maria-korosteleva/GarmentCode),',
        f'commit `{commit}`' + (f' ({date})' if date else '') + '.',
        '',
        f'Licence: MIT, "{copyright_line}" (full text in `LICENSE`).',
        'Bodies (`body.yaml`) are GarmentCode\'s own `assets/bodies/*.yaml` files, copied verbatim;',
        'per GarmentCode\'s `assets/bodies/Readme.md` the `*smpl*` bodies derive from the SMPL average',
        'models (CC BY 4.0), the others from https://github.com/mbotsch/GarmentMeasurements.',
        '',
        'Generated with `tools/corpus/garmentcode/make_corpus.py` '
        f'(`--seed {seed}`); see `tools/corpus/garmentcode/README.md`.',
        'Each generated pattern is MetaGarment drafted from a design sampled by GarmentCode\'s',
        '`DesignSampler.randomize()` over `assets/design_params/default.yaml`, the family forced via',
        'the meta design parameters, filtered by `pattern_sampler.assert_param_combinations`,',
        '`assert_total_length` and `is_self_intersecting`. "GarmentCode type" is GarmentCode\'s own',
        'classification (`stats_utils.garment_type`).',
        '`shirt_mean`, `dress_pencil`, `hoody_mean`, `js_mean_all` are GarmentCode\'s `assets/Patterns`',
        'specs, copied unchanged (`shirt_mean` and `dress_pencil` are byte-identical to',
        'the `shared/patterns/garmentcode/` copies of the workspace this project started in).',
        '',
        'Spec JSON: units cm (`properties.units_in_meter: 100`), curvature relative to the edge',
        '(`properties.curvature_coords: relative`).',
        '',
        '| name | family | upper | bottom | waistband | GarmentCode type | body | panels | stitches |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ]
    for e in manifest:
        t = e.get('garmentcode_type')
        tstr = f"{t['main']} ({', '.join(t['styles'])})" if t else '-'
        lines.append(
            f"| {e['name']} | {e['family']} | {e.get('upper') or '-'} | {e.get('bottom') or '-'} | "
            f"{e.get('waistband') or '-'} | {tstr} | {e['body']} | {e['panels']} | {e['stitches']} |")
    lines.append('')
    (out / 'SOURCES.md').write_text('\n'.join(lines))


if __name__ == '__main__':
    main()

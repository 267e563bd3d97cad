/**
 * The Python runtime's start: the bootstrap runs from its bytecode (pythonBytecode.ts), imports nothing
 * the handler did not ask for (its JSON is json's C scanner and encoder, its module loading the import
 * system's own), and gives json's answers and messages. Real interpreters, every one installed here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { join } from 'node:path';
import { Emulator } from '../../src/emulator/emulator';
import { resolveRuntime } from '../../src/emulator/runtimes';
import { RUNTIMES } from '../../src/model/runtimes';
import { FIXTURES, functionSpec, invoke } from './helpers';

const BOOTSTRAP = join(__dirname, '../../src/emulator/runtimes/assets/python-bootstrap.py');
const emulator = new Emulator();
after(() => emulator.dispose());

/** One runtime per distinct local interpreter (Python2.7 and the 3.x runtimes). */
function interpreters(): Array<{ runtime: string; python: string }> {
  const seen = new Set<string>();
  const out: Array<{ runtime: string; python: string }> = [];
  for (const r of RUNTIMES.filter((x) => x.family === 'python')) {
    const local = resolveRuntime(r.name);
    if (local.ok && !seen.has(local.value.command)) {
      seen.add(local.value.command);
      out.push({ runtime: r.name, python: local.value.command });
    }
  }
  return out;
}

const all = interpreters();
const none = all.length ? undefined : 'no local Python here';

// Loads the bootstrap as a module (its main() runs only as the script) and compares its json_loads /
// json_dumps with json's own on values and on failures; prints the differences as JSON.
const COMPARE = String.raw`
import sys
sys.argv = ["python-bootstrap.py", "/nonexistent", "index.main"]
if sys.version_info[0] == 2:
    import imp
    b = imp.load_source("scf_bootstrap", BOOT)
else:
    import importlib.util
    spec = importlib.util.spec_from_file_location("scf_bootstrap", BOOT)
    b = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(b)
import json
diffs = []
if b._fast_json()[0] is None:
    diffs.append("the fast path is not taken")
def failure(f, *a, **kw):
    try:
        f(*a, **kw)
    except Exception as e:
        return (type(e).__name__, str(e))
    return None
nan = float("nan")
values = [
    {"a": 1, "b": [1, 2.5, -0.0, 1e300, 12345678901234567890, True, False, None]},
    [], {}, "", u"x", 0, -1, 3.14, 1e-7, nan, float("inf"), -float("inf"),
    u"\u4e2d\u6587 \u00fcn\u00efcode \u2028 \U0001F600 \"q\" \\ \n\t\x00\x1f",
    {1: "int key", 2.5: "float key", None: "none key", True: "bool key"},
    ("a", "tuple"), [[[[{"deep": [u"\u00e9"]}]]]],
]
options = [{}, {"ensure_ascii": True, "separators": (",", ":")}, {"separators": (",", ":"), "allow_nan": False}]
if sys.version_info[0] > 2:
    options.append({"ensure_ascii": False, "separators": (",", ":")})
for v in values:
    for kw in options:
        ours, theirs = failure(b.json_dumps, v, **kw), failure(json.dumps, v, **kw)
        if theirs is not None:  # NaN with allow_nan=False
            if ours != theirs:
                diffs.append("dumps failure %r %r: %r != %r" % (v, kw, ours, theirs))
            continue
        ours, theirs = b.json_dumps(v, **kw), json.dumps(v, **kw)
        if ours != theirs:
            diffs.append("dumps %r %r: %r != %r" % (v, kw, ours, theirs))
        back, ref = b.json_loads(theirs), json.loads(theirs)
        if json.dumps(back) != json.dumps(ref) or type(back) is not type(ref):
            diffs.append("loads %r: %r != %r" % (theirs, back, ref))
for v in values:  # the answer's own encoder: what json_dumps writes with the answer's options
    kw = {"ensure_ascii": sys.version_info[0] == 2, "separators": (",", ":"), "allow_nan": False}
    ours, theirs = failure(b.json_dumps_result, v), failure(json.dumps, v, **kw)
    if ours != theirs:
        diffs.append("dumps_result failure %r: %r != %r" % (v, ours, theirs))
    elif theirs is None and b.json_dumps_result(v) != json.dumps(v, **kw):
        diffs.append("dumps_result %r: %r != %r" % (v, b.json_dumps_result(v), json.dumps(v, **kw)))
circular = []
circular.append(circular)
for v in [set([1]), circular, object(), {"k": {(1, 2): "tuple key"}}]:
    ours, theirs = failure(b.json_dumps, v), failure(json.dumps, v)
    if ours != theirs or theirs is None:
        diffs.append("dumps failure %r: %r != %r" % (type(v), ours, theirs))
    ours, theirs = failure(b.json_dumps_result, v), failure(json.dumps, v, separators=(",", ":"), allow_nan=False)
    if ours != theirs or theirs is None:
        diffs.append("dumps_result failure %r: %r != %r" % (type(v), ours, theirs))
for text in ["", "{", "[1,]", "{} x", "nope", u"\"\\ud83d\"", " {\"a\": 1} ", "1e999", "-Infinity", "NaN", "[1, 2]\n"]:
    ours, theirs = failure(b.json_loads, text), failure(json.loads, text)
    if ours != theirs:
        diffs.append("loads failure %r: %r != %r" % (text, ours, theirs))
    if theirs is None and json.dumps(b.json_loads(text)) != json.dumps(json.loads(text)):
        diffs.append("loads %r differs" % text)
sys.stdout.write(json.dumps(diffs))
`;

describe("the Python bootstrap's JSON is json's", { skip: none }, () => {
  for (const { runtime, python } of all) {
    test(`on ${runtime}'s interpreter (${python}): the same text, values and errors as json.dumps / json.loads`, () => {
      const r = spawnSync(python, ['-c', COMPARE.replace(/BOOT/g, JSON.stringify(BOOTSTRAP))], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), []);
    });
  }
});

describe('a Python instance starts on the bootstrap compiled once, with only what the handler imports', { skip: none }, () => {
  for (const { runtime } of all.filter((x) => x.runtime === 'Python2.7' || x.runtime === 'Python3.9' || x === all[0])) {
    test(`${runtime}: the script is the .pyc in the cache folder; no json, re or typing beyond a bare start's; tracebacks name the .py`, async () => {
      const spec = functionSpec({ codeDir: join(FIXTURES, 'python-bare'), handler: 'index.modules', runtime });
      const { result } = await invoke(emulator, spec, {});
      assert.equal(result.statusCode, 200, result.errorMessage);
      const seen = result.result as { argv0: string; executable: string; loaded: string[]; env: Record<string, string> };
      assert.match(seen.argv0, /scf-toolkit\/python\/bootstrap-[0-9a-f]{8}-[0-9a-z]+\.pyc$/);
      // what the interpreter's own start loads with the same environment (site, this machine's .pth files)
      const bare = spawnSync(seen.executable, ['-c', `import sys; sys.stdout.write(",".join(m for m in ${JSON.stringify(['json', 're', 'enum', 'typing', 'importlib.util', 'importlib.abc', 'traceback'])} if m in sys.modules))`], {
        env: seen.env,
        cwd: join(FIXTURES, 'python-bare'),
        encoding: 'utf8',
      });
      assert.equal(bare.status, 0, bare.stderr);
      const floor = bare.stdout ? bare.stdout.split(',') : [];
      assert.deepEqual(seen.loaded.filter((m) => !floor.includes(m)), [], `loaded before the handler asked: ${seen.loaded.join(', ')}`);
      const failed = await invoke(emulator, functionSpec({ codeDir: join(FIXTURES, 'python-bare'), handler: 'index.fails', runtime }), {});
      assert.equal(failed.result.statusCode, 430);
      assert.match(failed.result.errorStack!, /python-bootstrap\.py", line \d+, in serve[^]*index\.py", line \d+, in fails/);
    });
  }
});

# SCF Toolkit: the Python runtime bootstrap. It runs inside the user's process, so it is small and
# uses only the standard library, and it runs unchanged on Python 2.7 and every Python 3 (Python2.7
# functions run on a real 2.7). It imports the handler module once (the instance's init), then serves
# requests one at a time.
#
# Channel: fd 3 carries requests from the emulator host, fd 4 carries replies. Each message is a
# frame: the body's byte length in ASCII digits, "\n", then the JSON body. stdout/stderr stay the
# user's own. The host reports a request's result once every line printed during it has arrived: a
# result is written after all of it (unbuffered, blocking writes) and says so ("noMarks"); a failed
# init writes END_MARK to both instead.
#
# The handler is imported when the first frame, {"t": "init"}, comes, not at start: until then none of
# the user's code has run, so a runtime started ahead of time (the CLI's speculative start,
# src/emulator/speculation.ts) that is not wanted after all is killed having run none of it. The ready
# message says how long the bootstrap waited for that frame ("waited", ms), which the host leaves out
# of the init duration.
#
# argv: python -u [-X utf8] python-bootstrap.py <codeDir> <handler> [--functiongraph [--initializer file.function]]
# With --functiongraph the handler gets FunctionGraph's context object and the initializer runs once,
# before the instance reports ready.
import os
import sys
import time

END_MARK = "\0SCF_END\0\n"
CODE_DIR, HANDLER = sys.argv[1], sys.argv[2]
FLAGS = sys.argv[3:]
FUNCTION_GRAPH = "--functiongraph" in FLAGS
INITIALIZER = FLAGS[FLAGS.index("--initializer") + 1] if "--initializer" in FLAGS else None
REPLY_FD = 4
PY2 = sys.version_info[0] == 2

if PY2:
    # Python 2 encodes unicode written to a pipe as ASCII (a UnicodeEncodeError for any non-ASCII text);
    # SCF's log collection takes the text in UTF-8, as a terminal under LANG=en_US.UTF8 would.
    class _Utf8Writer(object):
        def __init__(self, raw):
            self._raw = raw

        def write(self, s):
            if isinstance(s, unicode):  # noqa: F821 (Python 2 only)
                s = s.encode("utf-8")
            self._raw.write(s)

        def __getattr__(self, name):
            return getattr(self._raw, name)

    sys.stdout = _Utf8Writer(sys.stdout)
    sys.stderr = _Utf8Writer(sys.stderr)


def _fast_json():
    """loads() and dumps() on json's own C scanner and encoder (_json), without importing json: the
    json package compiles regular expressions when imported (re, enum, functools, collections: ~30M
    instructions, three quarters of a bare `python -c 0`), which a cold start paid before the handler
    ran, for nothing the handler asked. These are the functions json.loads and json.dumps end in, with
    json's defaults; what they do not finish (an error, leading or trailing text, a value with no JSON
    form, circular data) is done again by json itself, so every answer and message is json's. Without
    _json (another implementation) json is used throughout."""
    try:
        import _json

        make_encoder = _json.make_encoder
        encode_ascii = _json.encode_basestring_ascii
        encode_text = encode_ascii if PY2 else _json.encode_basestring

        class _Context(object):
            # the attributes json.decoder.JSONDecoder() gives the scanner, with its defaults
            strict = True
            object_hook = None
            object_pairs_hook = None
            parse_float = float
            parse_int = int
            encoding = None  # Python 2's scanner reads it (None: UTF-8)
            memo = {}

        inf = float("inf")
        _Context.parse_constant = {"-Infinity": -inf, "Infinity": inf, "NaN": float("nan")}.__getitem__
        scan = _json.make_scanner(_Context())
    except (ImportError, AttributeError, TypeError):
        return None, None, None

    def no_json_form(value):
        raise TypeError("no JSON form")  # json.dumps below raises json's own error for it

    def loads(text):
        try:
            value, end = scan(text, 0)
            if end == len(text):
                return value
        except Exception:  # StopIteration, json's decode error: json.loads says what it is
            pass
        import json

        return json.loads(text)

    # One encoder per set of options, kept: making one was ~5K instructions of a warm request's ~80K.
    # Without circular-reference markers (None), it keeps no state between calls, so an error leaves
    # nothing behind; circular data ends in its recursion limit (RecursionError) and json.dumps below
    # then says what json says ("Circular reference detected").
    encoders = {}

    def dumps(value, ensure_ascii=True, separators=(", ", ": "), allow_nan=True):
        try:
            key = (ensure_ascii, separators, allow_nan)
            encode = encoders.get(key)
            if encode is None:
                encode = encoders[key] = make_encoder(None, no_json_form, encode_ascii if ensure_ascii else encode_text, None, separators[1], separators[0], False, False, allow_nan)
            return "".join(encode(value, 0))
        except Exception:
            pass
        import json

        return json.dumps(value, ensure_ascii=ensure_ascii, separators=separators, allow_nan=allow_nan)

    # The answer's: json_dumps(value, ensure_ascii=PY2, separators=(",", ":"), allow_nan=False), on its
    # own encoder (the call with options and the look-up of its encoder were ~2K instructions a request).
    encode_result = make_encoder(None, no_json_form, encode_ascii if PY2 else encode_text, None, ":", ",", False, False, False)

    def dumps_result(value):
        try:
            return "".join(encode_result(value, 0))
        except Exception:
            pass
        return dumps(value, ensure_ascii=PY2, separators=(",", ":"), allow_nan=False)

    return loads, dumps, dumps_result


json_loads, json_dumps, json_dumps_result = _fast_json()
if json_loads is None:
    import json

    json_loads = json.loads

    def json_dumps(value, ensure_ascii=True, separators=(", ", ": "), allow_nan=True):
        return json.dumps(value, ensure_ascii=ensure_ascii, separators=separators, allow_nan=allow_nan)

    def json_dumps_result(value):
        return json.dumps(value, ensure_ascii=PY2, separators=(",", ":"), allow_nan=False)


def format_exc():
    # traceback (with linecache, tokenize and re: 2-6 ms) only when there is an error to describe
    import traceback

    return traceback.format_exc()


def send(message, raw_result=None):
    body = json_dumps(message)
    if raw_result is not None:
        body = body[:-1] + ',"result":' + raw_result + "}"
    write_frame(body)


def write_frame(body):
    """One frame to the reply channel: its length line and body in one write(2) (fd 4 is blocking)."""
    data = body if PY2 and isinstance(body, bytes) else body.encode("utf-8")
    frame = str(len(data)).encode("ascii") + b"\n" + data
    while frame:
        written = os.write(REPLY_FD, frame)
        frame = frame[written:]


_pending = [b""]


def read_frame():
    # One read(2) per 64 KB, not one per byte of the length line (the descriptor is unbuffered).
    # (find, not `in`: bytes' `in` first tries its operand as an integer, a TypeError made and dropped.)
    data = _pending[0]
    nl = data.find(b"\n")
    while nl < 0:
        chunk = os.read(3, 65536)
        if not chunk:
            return None
        data += chunk
        nl = data.find(b"\n")
    start = nl + 1
    end = start + int(data[:nl])
    if len(data) < end:
        chunks, have = [data], len(data)
        while have < end:
            chunk = os.read(3, max(65536, end - have))
            if not chunk:
                return None
            chunks.append(chunk)
            have += len(chunk)
        data = b"".join(chunks)
    _pending[0] = data[end:]
    return json_loads(data[start:end].decode("utf-8"))


def loaded_files():
    out = []
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if f and f.startswith(CODE_DIR) and "site-packages" not in f:
            out.append(f[:-1] if f.endswith(".pyc") else f)
    return out


_modules_seen = [-1]


def changed_files():
    """loaded_files() when sys.modules has changed since the last result (the host keeps the list), else None."""
    if len(sys.modules) == _modules_seen[0]:
        return None
    _modules_seen[0] = len(sys.modules)
    return loaded_files()


def end_marks():
    sys.stdout.write(END_MARK)
    sys.stdout.flush()
    sys.stderr.write(END_MARK)
    sys.stderr.flush()


def flush_output():
    # After a request: what it printed goes to the pipes before the result does (blocking writes), so
    # the result says no END_MARK follows ("noMarks") and the host has every line once it has the result.
    sys.stdout.flush()
    sys.stderr.flush()


def find_one_level_down(rel):
    try:
        for name in sorted(os.listdir(CODE_DIR)):
            candidate = os.path.join(CODE_DIR, name, rel)
            if os.path.isdir(os.path.join(CODE_DIR, name)) and os.path.isfile(candidate):
                return os.path.join(name, rel)
    except OSError:
        pass
    return None


def import_file(name, path):
    """Imports a source file as module `name` (registered in sys.modules, as an import would)."""
    if PY2:
        import imp

        return imp.load_source(name, path)
    # importlib.util's two functions, from the import system's own modules, loaded at every start
    # (importlib.util imports importlib.abc and typing: ~17M instructions before the handler's import)
    machinery = sys.modules.get("_frozen_importlib_external")
    loading = sys.modules.get("_frozen_importlib")
    if machinery is None or loading is None:
        import importlib.util as machinery

        loading = machinery
    spec = machinery.spec_from_file_location(name, path)
    module = loading.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def load_function(spec, what):
    """Loads `file.function` from the code folder: {"fn": f} or an error with its SCF status code."""
    if "." not in spec or spec.startswith(".") or spec.endswith("."):
        return {"code": 437, "message": '%s "%s" must be "file.function", e.g. "index.main_handler"' % (what, spec)}
    module_path, fn_name = spec.rsplit(".", 1)
    rel = module_path.replace(".", "/") + ".py" if "/" not in module_path else module_path + ".py"
    entry = os.path.join(CODE_DIR, rel)
    if not os.path.isfile(entry):
        below = find_one_level_down(rel)
        hint = (
            " Found %s one folder down: the code folder holds an enclosing folder (the zip-root mistake);"
            " point src at that folder or move the files up." % below
            if below
            else " The entry file must sit at the root of the code folder (src in serverless.yml)."
        )
        return {"code": 437, "message": "entry file %s not found in the code folder %s.%s" % (rel, CODE_DIR, hint)}
    if CODE_DIR not in sys.path:
        sys.path.insert(0, CODE_DIR)
    name = module_path.replace("/", ".")
    module = sys.modules.get(name)
    if module is None or getattr(module, "__file__", None) != entry:
        try:
            module = import_file(name, entry)
        except BaseException as e:  # a SyntaxError or SystemExit at import is the user's code failing to load
            tb = format_exc()
            return {"code": 443, "message": "loading %s failed: %s: %s" % (rel, type(e).__name__, e), "stack": tb}
    fn = getattr(module, fn_name, None)
    if not callable(fn):
        return {
            "code": 437,
            "message": "'module' object has no attribute '%s': %s defines no function %s (%s \"%s\")"
            % (fn_name, rel, fn_name, what, spec),
        }
    return {"fn": fn}


class FunctionGraphContext:
    """FunctionGraph's context object, built from the request's values."""

    def __init__(self, c):
        self._c = c
        self._started = time.time()

    def getRequestID(self):
        return self._c.get("request_id", "")

    def getRemainingTimeInMilliSeconds(self):
        return max(0, int(self._c.get("time_limit_in_ms", 0) - (time.time() - self._started) * 1000))

    def getAccessKey(self):
        return ""

    def getSecretKey(self):
        return ""

    def getToken(self):
        return ""

    def getUserData(self, key, default=None):
        return os.environ.get(key, default)

    def getFunctionName(self):
        return self._c.get("function_name", "")

    def getRunningTimeInSeconds(self):
        return int(self._c.get("time_limit_in_ms", 0) / 1000)

    def getVersion(self):
        return "latest"

    def getMemorySize(self):
        return self._c.get("memory_limit_in_mb", 0)

    def getCPUNumber(self):
        return int(self._c.get("memory_limit_in_mb", 0) / 128 * 100)

    def getProjectID(self):
        return os.environ.get("RUNTIME_PROJECT_ID", "")

    def getPackage(self):
        return os.environ.get("RUNTIME_PACKAGE", "")

    def getLogger(self):
        import logging

        return logging.getLogger("functiongraph")


def init():
    loaded = load_function(HANDLER, "handler")
    if "fn" not in loaded:
        return loaded
    if FUNCTION_GRAPH and INITIALIZER:
        initializer = load_function(INITIALIZER, "initializer")
        if "fn" not in initializer:
            return initializer
        ctx = FunctionGraphContext({
            "time_limit_in_ms": int(os.environ.get("RUNTIME_TIMEOUT", "3")) * 1000,
            "function_name": os.environ.get("RUNTIME_FUNC_NAME", ""),
            "memory_limit_in_mb": int(os.environ.get("RUNTIME_MEMORY", "128")),
        })
        try:
            initializer["fn"](ctx)
        except Exception as e:
            return {"code": 443, "message": "the initializer %s failed: %s: %s" % (INITIALIZER, type(e).__name__, e), "stack": format_exc()}
    return loaded


def result_message(message):
    files = changed_files()
    if files is not None:
        message["files"] = files
    return message


def serve(fn):
    # The function's context as the host sent it with the instance's first request (context.ts
    # ContextSender): later requests carry only their request id, and each gets a fresh copy of it
    # with that id (the same keys; its values are strings and numbers), so what a handler changes in
    # its context stays in its own request's, as when each request's context was parsed whole.
    kept = None
    while True:
        msg = read_frame()
        if msg is None:
            return
        if msg.get("t") != "invoke":
            continue
        try:
            context = msg.get("context")
            if context is None:
                context = kept.copy()
                context["request_id"] = msg["id"]
            else:
                kept = context.copy()
            if FUNCTION_GRAPH:
                context = FunctionGraphContext(context)
            value = fn(msg["event"], context)
        except Exception as e:
            tb = format_exc()
            flush_output()
            send(result_message({"t": "result", "ok": False, "code": 430, "message": "%s: %s" % (type(e).__name__, e), "stack": tb, "noMarks": True}))
            continue
        flush_output()
        try:
            # Python 2 mixes byte and text strings: plain ASCII JSON (\\u escapes) is the same value for the host.
            # Compact, as JSON.stringify writes it: the host takes the result's size from this text (407).
            # allow_nan=False: Python would write NaN/Infinity, which are not JSON (the platform facts: a
            # value with no JSON form is an error), so they fail here as 430 like any other such value.
            raw = json_dumps_result(value)
        except (TypeError, ValueError) as e:
            send(result_message({"t": "result", "ok": False, "code": 430, "message": "the return value is not JSON-serialisable: %s" % e, "stack": "", "noMarks": True}))
            continue
        files = changed_files()
        if files is None:
            # the usual answer (no new files), as send() would make it, without encoding the rest
            write_frame('{"t":"result","ok":true,"noMarks":true,"result":' + raw + "}")
        else:
            send({"t": "result", "ok": True, "noMarks": True, "files": files}, raw)


def warm_compiler():
    """The interpreter's first compile() sets up its parser and AST types: ~7.6M instructions in 3.9,
    12.5M in 3.12, where compiling a two-line handler afterwards is ~0.5M. Done while the start waits
    for the go-ahead (a start made ahead of time waits for the CLI), it is off the path between the
    go-ahead and ready. An empty text: nothing is imported, run or read."""
    compile("", "<scf-toolkit>", "exec")


def main():
    warm_compiler()
    started = time.time()
    if read_frame() is None:  # the host went away (or discarded this start) before the go-ahead
        return
    waited = (time.time() - started) * 1000
    result = init()
    if "fn" not in result:
        end_marks()
        send({"t": "initError", "code": result["code"], "message": result["message"], "stack": result.get("stack", "")})
        return
    send({"t": "ready", "files": changed_files() or [], "python": sys.version.split()[0], "waited": waited})
    serve(result["fn"])


if __name__ == "__main__":  # run as the script (.py or its .pyc); imported only by its tests
    main()

// Plain JavaScript on purpose: it is loaded as it is into the user's Node.js process.
/*
 * SCF Toolkit: the Node.js runtime bootstrap. It runs inside the user's process, so it is tiny and has
 * no dependencies. It loads the handler once (the instance's init), then serves requests one at a time.
 *
 * Channel: fd 3 carries requests from the emulator host, fd 4 carries replies. Each message is a frame:
 * the body's byte length in ASCII digits, "\n", then the JSON body. stdout/stderr stay the user's own.
 * The host reports a request's result once every line printed during it has arrived: a result with
 * `noMarks` was written after all of it (blocking writes), else END_MARK on both follows what is queued.
 *
 * The handler is loaded when the first frame, {"t":"init"}, comes, not at start: until then nothing of
 * the user's code has run, so a runtime started ahead of time (the CLI's speculative start,
 * src/emulator/speculation.ts) that turns out not to be wanted is killed having run none of it. The
 * ready message says how long the bootstrap waited for that frame (`waited`, ms), which the host
 * leaves out of the init duration.
 *
 * argv: node node-bootstrap.js <codeDir> <handler> [--functiongraph [--initializer file.function]]
 * With --functiongraph the handler gets FunctionGraph's context object and the initializer runs once,
 * before the instance reports ready.
 */
'use strict';
const asyncHooks = require('async_hooks');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

// import() is a syntax error before Node.js 10/12: only compiled when an ES module is loaded.
const importModule = (url) => new Function('u', 'return import(u)')(url);

const END_MARK = '\u0000SCF_END\u0000\n';
const [codeDir, handlerSpec, ...flags] = process.argv.slice(2);
const functionGraph = flags.includes('--functiongraph');
const initializerSpec = flags.includes('--initializer') ? flags[flags.indexOf('--initializer') + 1] : undefined;
const REPLY_FD = 4;

/**
 * Set while our own code makes async resources (the standard streams on first use, the channel's
 * reads), so that the loop watch (below) never takes them for a request's pending work.
 */
let ownResources = false;

// Back-pressure for the handler's output: Node queues what a full pipe cannot take in this process's
// memory (where it counts against memorySize: a flood of console.log ended in 434). Blocking writes
// make a flood go at the pace the host reads it, as Python's print does.
function setBlocking(stream) {
  const handle = /** @type {{ _handle?: { setBlocking?: (b: boolean) => void } }} */ (/** @type {unknown} */ (stream))._handle;
  if (handle && typeof handle.setBlocking === 'function') handle.setBlocking(true);
}

/**
 * process.stdout and process.stderr are made when first used, as in any Node.js program, and made
 * blocking then. For a pipe each is a net.Socket: making them at start loaded net and the stream
 * classes (~18M instructions, ~5 ms, most of what this start added to Node's own) for handlers that
 * never print. Node's own getter makes the stream (console's included goes through it), ours makes
 * it blocking and keeps it from counting as the running request's pending work. `made[name]` says
 * whether the stream exists. Where the property is not Node's configurable getter, both are made now.
 */
const made = { stdout: false, stderr: false };
for (const name of /** @type {Array<'stdout' | 'stderr'>} */ (['stdout', 'stderr'])) {
  const own = Object.getOwnPropertyDescriptor(process, name);
  const nodeGetter = own && own.configurable && typeof own.get === 'function' && !own.set ? own.get : undefined;
  if (!nodeGetter) {
    setBlocking(process[name]);
    made[name] = true;
    continue;
  }
  let stream;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      if (stream === undefined) {
        const outer = ownResources;
        ownResources = true;
        try {
          stream = nodeGetter.call(process);
        } finally {
          ownResources = outer;
        }
        setBlocking(stream);
        made[name] = true;
      }
      return stream;
    },
  });
}

/** @param {object} message */
function send(message, rawResult) {
  let body = JSON.stringify(message);
  if (rawResult !== undefined) body = body.slice(0, -1) + ',"result":' + rawResult + '}';
  writeFrame(body);
}

/**
 * A successful request's answer: the handler's JSON text last, after `,"result":`, where the host
 * measures its size (instance.ts rawResultBytes); the usual one (no new files, no marks) without a
 * stringify of the rest.
 */
function sendResult(files, noMarks, raw) {
  if (files === undefined && noMarks === true) writeFrame('{"t":"result","ok":true,"noMarks":true,"result":' + raw + '}');
  else send({ t: 'result', ok: true, files, noMarks }, raw);
}

/** Writes one frame to the reply channel: its length line and body in one write(2) (fd 4 is blocking). */
function writeFrame(body) {
  const size = Buffer.byteLength(body, 'utf8');
  const head = size + '\n';
  // A string is written without a Buffer of ours; what a partial write leaves goes as bytes.
  let offset = 0;
  try {
    offset = fs.writeSync(REPLY_FD, head + body);
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EAGAIN') throw e;
  }
  if (offset === head.length + size) return;
  const frame = Buffer.from(head + body, 'utf8');
  while (offset < frame.length) {
    try {
      offset += fs.writeSync(REPLY_FD, frame, offset);
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EAGAIN') throw e;
    }
  }
}

/**
 * The code files the handler has loaded (for the host to watch), only when require.cache has changed since the last result
 * (its size or its newest entry): the host keeps what it was sent, so a warm request sends no list.
 */
let cacheSeen = '';
/** require.cache names files by their real paths: a code folder reached through a symbolic link is another prefix. */
let realCodeDir;
/**
 * Whether a module may have been loaded since changedFiles last looked: set by Module.prototype.load,
 * wrapped here (what require runs for a module not in require.cache), so that a warm request that
 * loads nothing does not list require.cache: Object.keys of it per request cost ~350 instructions a
 * loaded module (a handler with 400 modules: 184K instructions a request instead of 46K). Where
 * load is not there to wrap, require.cache is listed each time, as before.
 */
let mayHaveLoaded = true;
const loadWatched = (() => {
  const proto = require('module').prototype;
  const original = proto && proto.load;
  if (typeof original !== 'function') return false;
  proto.load = function load() {
    mayHaveLoaded = true;
    return original.apply(this, arguments);
  };
  return true;
})();
function changedFiles() {
  if (loadWatched && !mayHaveLoaded) return undefined;
  mayHaveLoaded = false;
  const keys = Object.keys(require.cache);
  const seen = `${keys.length}:${keys[keys.length - 1]}`;
  if (seen === cacheSeen) return undefined;
  cacheSeen = seen;
  if (realCodeDir === undefined) {
    try {
      realCodeDir = fs.realpathSync(codeDir);
    } catch (e) {
      realCodeDir = codeDir;
    }
  }
  return keys.filter((f) => (f.startsWith(codeDir) || f.startsWith(realCodeDir)) && !f.includes(`${path.sep}node_modules${path.sep}`));
}

/**
 * After a request: when stdout and stderr hold nothing queued (their writes are blocking, so all the
 * request printed is in the pipes already), nothing more is written and the result says so
 * (`noMarks`, which the host reads as "the output is all there"); otherwise END_MARK goes after
 * what is queued, to both, and the host waits for them. Returns whether marks were written.
 */
function endMarks() {
  // A stream never made holds nothing.
  if ((!made.stdout || process.stdout.writableLength === 0) && (!made.stderr || process.stderr.writableLength === 0)) return false;
  process.stdout.write(END_MARK);
  process.stderr.write(END_MARK);
  return true;
}

function describeError(e) {
  if (e instanceof Error) return { message: `${e.name}: ${e.message}`, stack: e.stack || String(e) };
  return { message: typeof e === 'string' ? e : safeJson(e), stack: '' };
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch (e) {
    return String(v);
  }
}

/** Finds `<codeDir>/<file>.js|.mjs|.cjs` for handler `file.function`. */
function findEntry(file) {
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const candidate = path.join(codeDir, file + ext);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The zip-root mistake: the entry one folder down, as when the enclosing folder was zipped. */
function findOneLevelDown(file) {
  try {
    for (const entry of fs.readdirSync(codeDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'node_modules') continue;
      for (const ext of ['.js', '.mjs', '.cjs']) {
        const candidate = path.join(codeDir, entry.name, file + ext);
        if (fs.existsSync(candidate)) return path.relative(codeDir, candidate);
      }
    }
  } catch (e) {
    /* the code folder itself is missing: reported by the caller */
  }
  return undefined;
}

/** Loads `file.function` from the code folder: the function, or an error with its SCF status code. */
async function loadFunction(spec, what) {
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    return { code: 437, message: `${what} "${spec}" must be "file.function", e.g. "index.main_handler"` };
  }
  const file = spec.slice(0, dot);
  const fnName = spec.slice(dot + 1);
  const entry = findEntry(file);
  if (!entry) {
    const below = findOneLevelDown(file);
    const hint = below
      ? ` Found ${below} one folder down: the code folder holds an enclosing folder (the zip-root mistake); point src at that folder or move the files up.`
      : ' The entry file must sit at the root of the code folder (src in serverless.yml).';
    return { code: 437, message: `entry file ${file}.js not found in the code folder ${codeDir}.${hint}` };
  }
  let mod;
  let esm = entry.endsWith('.mjs');
  try {
    if (esm) mod = await importModule(pathToFileURL(entry).href);
    else {
      try {
        mod = require(entry);
      } catch (e) {
        if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'ERR_REQUIRE_ESM') throw e;
        esm = true;
        mod = await importModule(pathToFileURL(entry).href);
      }
    }
  } catch (e) {
    const d = describeError(e);
    return { code: 443, message: `loading ${path.relative(codeDir, entry)} failed: ${d.message}`, stack: d.stack };
  }
  let fn = mod && mod[fnName];
  if (typeof fn !== 'function' && esm && mod && mod.default && typeof mod.default[fnName] === 'function') fn = mod.default[fnName];
  if (typeof fn !== 'function') {
    return {
      code: 437,
      message: `function ${fnName} is not exported by ${path.relative(codeDir, entry)} (${what} "${spec}"): add exports.${fnName} = async (event, context) => {...}`,
    };
  }
  return { fn, esm, entry };
}

/** FunctionGraph's context object, built from the request's values. */
function functionGraphContext(c) {
  const started = Date.now();
  const logger = { info: console.log, debug: console.log, warn: console.warn, error: console.error, setLevel() {} };
  return {
    getRequestID: () => c.request_id,
    getRemainingTimeInMilliSeconds: () => Math.max(0, c.time_limit_in_ms - (Date.now() - started)),
    getAccessKey: () => '',
    getSecretKey: () => '',
    getSecurityAccessKey: () => '',
    getSecuritySecretKey: () => '',
    getToken: () => '',
    getUserData: (key) => process.env[key],
    getFunctionName: () => c.function_name,
    getRunningTimeInSeconds: () => Math.round(c.time_limit_in_ms / 1000),
    getVersion: () => 'latest',
    getMemorySize: () => c.memory_limit_in_mb,
    getCPUNumber: () => Math.round((c.memory_limit_in_mb / 128) * 100),
    getProjectID: () => process.env.RUNTIME_PROJECT_ID,
    getPackage: () => process.env.RUNTIME_PACKAGE,
    getLogger: () => logger,
  };
}

/** FunctionGraph's initializer: `(context, callback)` or a promise; once per instance. */
async function runInitializer() {
  const loaded = await loadFunction(initializerSpec, 'initializer');
  if (!('fn' in loaded)) return loaded;
  const context = functionGraphContext({ request_id: '', time_limit_in_ms: Number(process.env.RUNTIME_TIMEOUT) * 1000, function_name: process.env.RUNTIME_FUNC_NAME, memory_limit_in_mb: Number(process.env.RUNTIME_MEMORY) });
  try {
    await new Promise((resolve, reject) => {
      const returned = loaded.fn(context, (err, value) => (err ? reject(err) : resolve(value)));
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (loaded.fn.length < 2) resolve(returned);
    });
  } catch (e) {
    const d = describeError(e);
    return { code: 443, message: `the initializer ${initializerSpec} failed: ${d.message}`, stack: d.stack };
  }
  return undefined;
}

async function init() {
  if (flags.includes('--wait-debugger')) {
    // Debugging: wait for the debugger before the handler module loads, so breakpoints anywhere in it bind.
    process.stderr.write('Waiting for the debugger to attach before loading the handler...\n');
    require('inspector').waitForDebugger();
  }
  const loaded = await loadFunction(handlerSpec, 'handler');
  if (!('fn' in loaded)) return loaded;
  if (functionGraph && initializerSpec) {
    const failed = await runInitializer();
    if (failed) return failed;
  }
  return loaded;
}

function isAsyncFunction(fn) {
  return Object.prototype.toString.call(fn) === '[object AsyncFunction]';
}

/**
 * Whether the event loop is empty of the request's work: the async resources (timers, sockets, file
 * requests ...) created since the watch started, less those destroyed. Promises are left out (they end
 * by garbage collection, not by finishing), and so are the watch's own timers. Node.js delivers destroy
 * events from an unreferenced immediate, which a loop waiting on the host's channel never reaches: the
 * watch's own interval keeps the loop turning (every 5 ms, only while a request waits for it).
 */
function loopWatch() {
  const live = new Set();
  let own = false;
  let ticker;
  const IGNORED = new Set(['PROMISE', 'TickObject', 'Microtask']);
  const hook = asyncHooks
    .createHook({
      init(id, type) {
        if (!own && !ownResources && !IGNORED.has(type)) live.add(id);
      },
      destroy(id) {
        live.delete(id);
      },
    })
    .enable();
  const stop = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
    hook.disable();
  };
  return {
    whenEmpty(fn) {
      own = true;
      ticker = setInterval(() => {
        if (live.size > 0) return;
        stop();
        fn();
      }, 5);
      own = false;
    },
    stop,
  };
}

let handler = /** @type {Function | undefined} */ (undefined);
let busy = false;
/** @type {((outcome: object) => void) | undefined} */
let finishCurrent;

/**
 * Runs one request. Its answer goes out a microtask after the request settles (as an `await` of it
 * did): what the handler does right after calling back, in the same turn, is still part of it.
 */
function runRequest(msg) {
  busy = true;
  let settled = false;
  /** @type {ReturnType<typeof loopWatch> | undefined} */
  let watchLoop;
  const answer = (/** @type {{value?: unknown, error?: unknown, recycle?: boolean}} */ outcome) => {
    if (watchLoop) watchLoop.stop();
    finishCurrent = undefined;
    busy = false;
    const noMarks = endMarks() ? undefined : true;
    if ('error' in outcome) {
      const d = describeError(outcome.error);
      send({ t: 'result', ok: false, code: 430, message: d.message, stack: d.stack, recycle: !!outcome.recycle, files: changedFiles(), noMarks });
      return;
    }
    let raw;
    try {
      raw = JSON.stringify(outcome.value === undefined ? null : outcome.value);
      if (raw === undefined) raw = 'null';
    } catch (e) {
      send({ t: 'result', ok: false, code: 430, message: `the return value is not JSON-serialisable: ${/** @type {Error} */ (e).message}`, stack: '', files: changedFiles(), noMarks });
      return;
    }
    sendResult(changedFiles(), noMarks, raw);
  };
  const settle = (outcome) => {
    if (settled) return;
    settled = true;
    Promise.resolve(outcome).then(answer);
  };
  finishCurrent = settle;
  const h = /** @type {Function} */ (handler);
  const scf = requestContext(msg);
  const context = functionGraph ? functionGraphContext(scf) : scf;
  // SCF's Node.js guide: a non-async handler runs "until the function completes", that is until the
  // event loop is empty (unless it sets context.callbackWaitsForEmptyEventLoop = false). One that
  // returns without calling back ends then, with what it returned (the Nodejs6.10-Apigateway demo
  // returns its integrated response). A callback ends the request at once, as before: waiting for the
  // loop after it would add Node.js 19+'s keep-alive sockets (5 s) to every request that made an HTTP
  // call, which SCF's older Node.js versions do not have. Watching the loop costs something, so it is
  // done only for such handlers, only during their requests.
  watchLoop = h.length >= 3 && !isAsyncFunction(h) ? loopWatch() : undefined;
  let calledBack = false;
  const callback = (err, value) => {
    calledBack = true;
    if (err !== null && err !== undefined) settle({ error: err });
    else settle({ value });
  };
  try {
    const returned = h(msg.event, context, callback);
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (value) => settle({ value }),
        (error) => settle({ error }),
      );
    } else if (h.length < 3) {
      settle({ value: returned });
    } else if (watchLoop && !calledBack) {
      if (context && context.callbackWaitsForEmptyEventLoop === false) settle({ value: returned });
      else watchLoop.whenEmpty(() => settle({ value: returned }));
    }
  } catch (error) {
    settle({ error });
  }
}

// An exception nobody catches during a request fails that request (and the instance is recycled,
// as its state is now unknown); outside a request it is only logged.
process.on('uncaughtException', (error) => {
  if (finishCurrent) finishCurrent({ error, recycle: true });
  else console.error(error);
});
process.on('unhandledRejection', (error) => {
  if (finishCurrent) finishCurrent({ error, recycle: true });
  else console.error(error);
});

/**
 * The channel's input (fd 3), read two ways. The go-ahead with a blocking readSync on this thread
 * (readGoAhead); from the instance's ready on, a pipe handle of Node's own (pipe_wrap, the handle a
 * net.Socket wraps) read straight from the event loop, without net and the stream classes: loading
 * them was ~18M instructions (~5 ms) on a cold instance's path, and per warm request the stream's
 * push, 'data' and read-more turns cost more than the frame's parse. Where that handle is not there as
 * expected (Windows, another Node.js, --pending-deprecation, which makes process.binding warn), a
 * net.Socket reads the channel, from the start on Windows. The handle is ref'd, so while a request
 * runs it keeps the event loop alive (a first request that never settles runs into its timeout). The
 * end of the channel (the host has gone) ends the process.
 */
let channel;

function openChannel() {
  if (channel) return;
  channel = rawChannel();
  if (channel) return;
  const { Socket } = require('net');
  const socket = new Socket({ fd: 3, readable: true, writable: false });
  socket.on('data', onChunk);
  socket.on('end', () => process.exit(0));
  channel = { close: () => socket.destroy() };
}

/** fd 3 as a pipe handle read from the event loop (what net.Socket does below its stream), or undefined. */
function rawChannel() {
  if (process.platform === 'win32') return undefined;
  let pipeWrap;
  let streamWrap;
  try {
    const binding = process.binding;
    // With --pending-deprecation, Node wraps process.binding in a function that warns (DEP0111).
    if (typeof binding !== 'function' || binding.name !== 'binding') return undefined;
    pipeWrap = binding('pipe_wrap');
    streamWrap = binding('stream_wrap');
  } catch (e) {
    return undefined; // (the permission model refuses process.binding)
  }
  // How a read reports (Node 12+, stream_base_commons.js): the callback gets the ArrayBuffer, the
  // byte count (or a negative error, UV_EOF at the end) and the offset are in streamBaseState.
  const state = streamWrap && streamWrap.streamBaseState;
  const NREAD = streamWrap && streamWrap.kReadBytesOrError;
  const OFFSET = streamWrap && streamWrap.kArrayBufferOffset;
  if (!pipeWrap || typeof pipeWrap.Pipe !== 'function' || !pipeWrap.constants || typeof pipeWrap.constants.SOCKET !== 'number') return undefined;
  if (!state || typeof NREAD !== 'number' || typeof OFFSET !== 'number') return undefined;
  let handle;
  ownResources = true;
  try {
    handle = new pipeWrap.Pipe(pipeWrap.constants.SOCKET);
    handle.open(3);
    handle.onread = (arrayBuffer) => {
      const n = state[NREAD];
      if (n > 0) onChunk(Buffer.from(arrayBuffer, state[OFFSET], n));
      else if (n < 0) process.exit(0); // (the end of the channel, or an error on it: the host has gone)
    };
    if (handle.readStart() !== 0) throw new Error('readStart');
  } catch (e) {
    if (handle) handle.close();
    return undefined;
  } finally {
    ownResources = false;
  }
  return { close: () => handle.close() };
}

/**
 * The go-ahead, read on this thread, blocking: until it comes nothing of the user's code has run and
 * nothing else is pending (no timer, handle or request of ours either), so there is nothing a blocked
 * thread could delay, and a frame already in the pipe (a start made ahead, which the CLI has told to
 * go meanwhile) is taken without the event loop's first turn (~1 ms). An error (EAGAIN on a
 * non-blocking channel, EINTR) hands over to the channel's handle, which reads the go-ahead then.
 */
function readGoAhead() {
  const buffer = Buffer.allocUnsafe(65536);
  let n;
  try {
    n = fs.readSync(3, buffer, 0, buffer.length, null);
  } catch (e) {
    openChannel();
    return;
  }
  if (n === 0) process.exit(0);
  onChunk(buffer.subarray(0, n));
}

// A frame's chunks are kept apart until all of it has come, then joined once: joining at every chunk
// copied a 5 MB event ~80 times.
let chunks = [];
let have = 0;
let frameStart = -1; // where the current frame's body starts, once its length line has come
let frameEnd = -1;

function onChunk(chunk) {
  chunks.push(chunk);
  have += chunk.length;
  for (;;) {
    if (frameStart < 0) {
      if (chunks.length > 1) chunks = [Buffer.concat(chunks, have)];
      const nl = chunks[0].indexOf(10);
      if (nl < 0) return;
      frameStart = nl + 1;
      frameEnd = frameStart + Number(chunks[0].toString('latin1', 0, nl));
    }
    if (have < frameEnd) return;
    const buffer = chunks.length > 1 ? Buffer.concat(chunks, have) : chunks[0];
    const body = buffer.toString('utf8', frameStart, frameEnd);
    if (have > frameEnd) {
      chunks = [buffer.subarray(frameEnd)];
      have -= frameEnd;
    } else {
      chunks = [];
      have = 0;
    }
    frameStart = frameEnd = -1;
    handle(body);
    if (!have) return;
  }
}

/**
 * The function's context as the host sent it with the instance's first request (context.ts
 * ContextSender): later requests carry only their request id. Its values are strings and numbers.
 * @type {Record<string, unknown> | undefined}
 */
let keptContext;

/**
 * The request's context: the one the frame carries, or a fresh copy of the kept one with the
 * request's id (the same keys in the same order, as parsing the whole text gave): what a handler
 * changes in its context stays in its own request's.
 */
function requestContext(msg) {
  if (msg.context !== undefined) {
    keptContext = Object.assign({}, msg.context); // (no object spread: Node.js 8.0-8.2 run this file)
    return msg.context;
  }
  const context = Object.assign({}, keptContext);
  context.request_id = msg.id;
  return context;
}

let initStarted = false;

/** One frame from the emulator: first the go-ahead to load the handler, then requests to run. */
function handle(body) {
  const msg = JSON.parse(body);
  if (msg.t === 'init' && !initStarted) {
    initStarted = true;
    const waited = process.hrtime(listening);
    start(waited[0] * 1e3 + waited[1] / 1e6);
    return;
  }
  if (msg.t === 'invoke' && handler && !busy) runRequest(msg);
}

/** The instance's init, once the host has said to go ahead: loads the handler and reports. */
function start(waited) {
  // An instance whose init failed serves nothing: it ends once its output has gone, as before (the
  // channel is read from its ready on; on Windows the socket reading it since the start is closed).
  const stop = () => {
    if (channel) channel.close();
  };
  init().then(
    (result) => {
      if ('fn' in result) {
        handler = result.fn;
        send({ t: 'ready', files: changedFiles() || [], esm: result.esm, entry: result.entry, node: process.version, waited });
        openChannel();
      } else {
        process.stdout.write(END_MARK);
        process.stderr.write(END_MARK);
        send({ t: 'initError', code: result.code, message: result.message, stack: result.stack || '' });
        stop();
      }
    },
    (e) => {
      send({ t: 'initError', code: 443, message: String(e && e.message), stack: String(e && e.stack) });
      stop();
    },
  );
}

const listening = process.hrtime();
if (process.platform === 'win32') openChannel();
else readGoAhead();

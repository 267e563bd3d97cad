<?php
/*
 * SCF Toolkit: the PHP runtime bootstrap. It runs inside the user's process, so it is small, uses
 * nothing outside PHP itself and keeps to its own namespace (no globals of ours for the handler to
 * trip over). It loads the entry file once, in the global scope as SCF does (so its top-level
 * variables are globals that keep their values on a warm instance), then serves requests one at a time.
 *
 * Channel: fd 3 carries requests from the emulator host, fd 4 carries replies. Each message is a
 * frame: the body's byte length in ASCII digits, "\n", then the JSON body. stdout and stderr stay the
 * user's own (print, echo, var_dump to stdout; error_log and PHP's own messages to stderr, as the CLI
 * writes them); after each request END_MARK goes to both so the host knows every line printed during
 * the request has arrived before it reports the result.
 *
 * As SCF's PHP runtimes do, $event and $context are objects (json_decode without assoc: stdClass);
 * the return value is JSON-encoded. An uncaught Throwable is 430, a parse or fatal error while loading
 * 443, a fatal error during a request 430 (and the instance is recycled), exit()/die() during a
 * request 439.
 *
 * argv: php php-bootstrap.php <codeDir> <handler>
 * Written for PHP 5.6 to 8.x (no syntax newer than 5.6).
 */
namespace ScfToolkitBootstrap;

const END_MARK = "\0SCF_END\0\n";

final class State
{
    /** load | idle | invoke */
    public static $phase = 'load';
    public static $codeDir;
    public static $entry;
    public static $rel;
    /** The handler's function name. */
    public static $fn;
    public static $requests;
    public static $replies;
    /** How many files get_included_files() held at the last answer that listed them. */
    public static $includedSeen = -1;
}

function send($message, $rawResult = null)
{
    $body = json_encode($message, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR);
    if ($rawResult !== null) {
        $body = substr($body, 0, -1) . ',"result":' . $rawResult . '}';
    }
    $frame = strlen($body) . "\n" . $body;
    for ($done = 0, $n = strlen($frame); $done < $n; $done += $written) {
        $written = fwrite(State::$replies, substr($frame, $done));
        if ($written === false || $written === 0) {
            return;
        }
    }
    fflush(State::$replies);
}

function read_frame()
{
    $header = fgets(State::$requests);
    if ($header === false) {
        return null;
    }
    $left = (int) $header;
    $body = '';
    while ($left > 0) {
        $chunk = fread(State::$requests, $left);
        if ($chunk === false || $chunk === '') {
            return null;
        }
        $body .= $chunk;
        $left -= strlen($chunk);
    }
    return $body;
}

/** After an answer the process may be on its way out: wait for the host to end it (or to close fd 3). */
function linger()
{
    while (!feof(State::$requests) && fread(State::$requests, 8192) !== false) {
    }
}

function end_marks()
{
    while (ob_get_level() > 0 && @ob_end_flush()) {
    }
    flush();
    fwrite(STDOUT, END_MARK);
    fflush(STDOUT);
    fwrite(STDERR, END_MARK);
    fflush(STDERR);
}

/**
 * loaded_files() when a file has been included since the last answer that listed them, else null: the
 * host keeps what it was sent, so a warm request that includes nothing sends no list (listing, sending
 * and watching a framework's hundreds of files again on every request grew with the files).
 */
function changed_files()
{
    $n = count(get_included_files());
    if ($n === State::$includedSeen) {
        return null;
    }
    State::$includedSeen = $n;
    return loaded_files();
}

function loaded_files()
{
    $out = array();
    $prefix = rtrim(State::$codeDir, '/') . '/';
    foreach (get_included_files() as $f) {
        if (strpos($f, $prefix) === 0) {
            $out[] = $f;
        }
    }
    $scanned = php_ini_scanned_files();
    foreach ($scanned ? explode(',', $scanned) : array() as $f) {
        $f = trim($f);
        if (strpos($f, $prefix) === 0) {
            $out[] = $f;
        }
    }
    return $out;
}

function describe($e)
{
    return get_class($e) . ': ' . $e->getMessage();
}

function init_error($code, $message, $stack)
{
    end_marks();
    send(array('t' => 'initError', 'code' => $code, 'message' => $message, 'stack' => $stack));
    State::$phase = 'done';
    linger();
    exit(1);
}

/**
 * The function's memorySize is its limit (the host measures the process and answers 434, as for every
 * runtime), so PHP's own memory_limit is lifted unless an ini file of the function's (php_extension)
 * sets one.
 */
function lift_memory_limit()
{
    $scanned = php_ini_scanned_files();
    $distro = defined('PHP_CONFIG_FILE_SCAN_DIR') ? PHP_CONFIG_FILE_SCAN_DIR : '';
    foreach ($scanned ? explode(',', $scanned) : array() as $f) {
        $f = trim($f);
        if ($f === '' || ($distro !== '' && strpos($f, $distro) === 0)) {
            continue;
        }
        $ini = @parse_ini_file($f);
        if (is_array($ini) && array_key_exists('memory_limit', $ini)) {
            return;
        }
    }
    ini_set('memory_limit', '-1');
}

function on_shutdown()
{
    $phase = State::$phase;
    if ($phase !== 'load' && $phase !== 'invoke') {
        return;
    }
    $e = error_get_last();
    $fatalTypes = E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR;
    $fatal = $e !== null && ($e['type'] & $fatalTypes) !== 0;
    $what = $fatal ? sprintf('PHP Fatal error: %s in %s on line %d', $e['message'], $e['file'], $e['line']) : '';
    if ($phase === 'load') {
        init_error(443, $fatal ? 'loading ' . State::$rel . ' failed: ' . $what : State::$rel . ' called exit() while it was loaded', '');
    }
    end_marks();
    send(array(
        't' => 'result',
        'ok' => false,
        'code' => $fatal ? 430 : 439,
        'message' => $fatal ? $what : 'the handler called exit() or die() during the request',
        'stack' => '',
        'recycle' => true,
        'files' => loaded_files(),
    ));
    State::$phase = 'done';
    linger();
}

function find_one_level_down($rel)
{
    foreach (@scandir(State::$codeDir) ?: array() as $name) {
        if ($name[0] !== '.' && is_dir(State::$codeDir . '/' . $name) && is_file(State::$codeDir . '/' . $name . '/' . $rel)) {
            return $name . '/' . $rel;
        }
    }
    return null;
}

/** Checks the handler and finds the entry file; on a problem reports it (437) and ends. */
function locate($handler)
{
    $dot = strrpos($handler, '.');
    if ($dot === false || $dot === 0 || $dot === strlen($handler) - 1) {
        init_error(437, 'handler "' . $handler . '" must be "file.function", e.g. "index.main_handler"', '');
    }
    State::$rel = str_replace('.', '/', substr($handler, 0, $dot)) . '.php';
    State::$entry = State::$codeDir . '/' . State::$rel;
    if (!is_file(State::$entry)) {
        $below = find_one_level_down(State::$rel);
        $hint = $below !== null
            ? ' Found ' . $below . ' one folder down: the code folder holds an enclosing folder (the zip-root mistake); point src at that folder or move the files up.'
            : ' The entry file must sit at the root of the code folder (src in serverless.yml).';
        init_error(437, 'entry file ' . State::$rel . ' not found in the code folder ' . State::$codeDir . '.' . $hint, '');
    }
    return substr($handler, $dot + 1);
}

function fail($e, $code)
{
    end_marks();
    send(array('t' => 'result', 'ok' => false, 'code' => $code, 'message' => describe($e), 'stack' => (string) $e, 'files' => loaded_files()));
}

function serve($fn)
{
    // The function's context as the host sent it with the instance's first request (context.ts
    // ContextSender): later requests carry only their request id, and each gets a copy of it with
    // that id (its values are strings and numbers), so what a handler changes in its context stays in
    // its own request's, as when each request's context was decoded whole.
    $kept = null;
    for (;;) {
        State::$phase = 'idle';
        $body = read_frame();
        if ($body === null) {
            return;
        }
        $msg = json_decode($body, false, 100000);
        if (!is_object($msg) || !isset($msg->t) || $msg->t !== 'invoke') {
            end_marks();
            send(array('t' => 'result', 'ok' => false, 'code' => 430, 'message' => 'PHP could not decode the event: ' . json_last_error_msg(), 'stack' => '', 'files' => loaded_files()));
            continue;
        }
        if (isset($msg->context)) {
            $context = $msg->context;
            $kept = clone $context;
        } else {
            $context = clone $kept;
            $context->request_id = $msg->id;
        }
        State::$phase = 'invoke';
        try {
            $value = call_user_func($fn, $msg->event, $context);
        } catch (\Throwable $e) {
            fail($e, 430);
            continue;
        } catch (\Exception $e) { // PHP 5
            fail($e, 430);
            continue;
        }
        State::$phase = 'idle';
        end_marks();
        $json = json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
        if ($json === false) {
            send(array('t' => 'result', 'ok' => false, 'code' => 430, 'message' => 'the return value has no JSON form: ' . json_last_error_msg(), 'stack' => '', 'files' => loaded_files()));
            continue;
        }
        $answer = array('t' => 'result', 'ok' => true);
        $files = changed_files();
        if ($files !== null) {
            $answer['files'] = $files;
        }
        send($answer, $json);
    }
}

State::$codeDir = rtrim($argv[1], '/');
State::$requests = fopen('php://fd/3', 'rb');
State::$replies = fopen('php://fd/4', 'wb');
register_shutdown_function('ScfToolkitBootstrap\on_shutdown');
lift_memory_limit();
State::$fn = locate($argv[2]);
unset($argv, $argc);
$_SERVER['argv'] = array();
$_SERVER['argc'] = 0;

// The entry file is loaded here, in the global scope: its top-level variables are globals.
try {
    require_once State::$entry;
} catch (\Throwable $e) {
    init_error(443, 'loading ' . State::$rel . ' failed: ' . describe($e), (string) $e);
} catch (\Exception $e) { // PHP 5
    init_error(443, 'loading ' . State::$rel . ' failed: ' . describe($e), (string) $e);
}
if (!function_exists(State::$fn)) {
    init_error(437, State::$rel . ' defines no function ' . State::$fn . ' (in the code folder ' . State::$codeDir . ')', '');
}
State::$phase = 'idle';
send(array('t' => 'ready', 'files' => changed_files(), 'php' => PHP_VERSION));
unset($e);
serve(State::$fn);

/**
 * SCF invocation status codes, described once (../shared/docs/scf-platform-facts.md §5).
 * The emulator, the output panel and hovers read this table; a test holds the status-code table of
 * docs/invoke.md to it (every code the emulator produces, and only those, with this name).
 */
export interface StatusCodeInfo {
  code: number;
  name: string;
  meaning: string;
  /** What the user can do about it. */
  fix: string;
  /** Whether the local emulator produces this code itself. */
  emulated: boolean;
}

export const STATUS_CODES: readonly StatusCodeInfo[] = [
  { code: 200, name: 'Success', meaning: 'the function ran and returned', fix: '', emulated: true },
  { code: 400, name: 'InvalidParameterValue', meaning: 'the event is not a JSON object', fix: 'Send a JSON object (`{...}`) as the event.', emulated: true },
  { code: 401, name: 'InvalidCredentials', meaning: 'no permission', fix: 'Check the SecretId/SecretKey and the CAM policy of the caller.', emulated: false },
  { code: 402, name: 'ServiceSuspended', meaning: 'service frozen', fix: 'Settle the account in the Tencent Cloud console.', emulated: false },
  { code: 403, name: 'Invalid scf response format', meaning: 'the integrated response could not be parsed by API Gateway', fix: 'Return {isBase64Encoded, statusCode, headers, body} from a function behind API Gateway.', emulated: false },
  { code: 404, name: 'InvalidSubnetID', meaning: 'bad subnet', fix: 'Check vpcConfig.subnetId.', emulated: false },
  { code: 405, name: 'ContainerStateExited', meaning: 'the container exited', fix: 'Write only under /tmp; the rest of the file system is read-only.', emulated: false },
  { code: 406, name: 'RequestTooLarge', meaning: 'the event is over 6 MB (sync) or 128 KB (async)', fix: 'Send a smaller event; put large data in COS and pass its key.', emulated: true },
  { code: 407, name: 'The size of response exceeds the upper limit (6MB)', meaning: 'the result is over 6 MB', fix: 'Return a smaller result; put large data in COS and return its key.', emulated: true },
  { code: 410, name: 'InsufficientBalance', meaning: 'the account is in arrears', fix: 'Top up the account.', emulated: false },
  { code: 429, name: 'ResourceLimit', meaning: 'scale-out (burst) rate exceeded', fix: 'Retry later or raise the concurrency quota.', emulated: false },
  { code: 430, name: 'User code exception caught', meaning: 'the handler threw (or returned something with no JSON form)', fix: 'Read the error and stack in the log; fix the handler.', emulated: true },
  { code: 432, name: 'ResourceLimitReached', meaning: 'concurrency quota exceeded (locally: more instances of the function at once than maxInstancesPerFunction)', fix: 'Raise the reserved or account concurrency (locally: --max-instances or scf.gateway.maxInstancesPerFunction), or send fewer requests at once.', emulated: true },
  { code: 433, name: 'TimeLimitReached', meaning: 'the function ran past its timeout; the instance is recycled', fix: 'Raise `timeout` in serverless.yml or make the handler faster.', emulated: true },
  { code: 434, name: 'MemoryLimitReached', meaning: 'the function used more memory than `memorySize`; the instance is recycled', fix: 'Raise `memorySize` or use less memory.', emulated: true },
  { code: 435, name: 'FunctionNotFound', meaning: 'the function does not exist', fix: 'Check the name, namespace and region.', emulated: false },
  { code: 436, name: 'InvalidParameterValue', meaning: 'invoke parameters invalid', fix: 'Check the invoke parameters.', emulated: false },
  { code: 437, name: 'HandlerNotFound', meaning: 'the entry file or function was not found in the code package', fix: 'Check `handler` and that the entry file sits at the root of the code folder (not inside an enclosing folder).', emulated: true },
  { code: 438, name: 'FunctionStatusError', meaning: 'the function is not in a normal state', fix: 'Wait for the function to become Active, or redeploy it.', emulated: false },
  { code: 439, name: 'User process exit when running', meaning: 'the process exited during a request; the instance is recycled', fix: 'Do not call process.exit / sys.exit in the handler; look for crashes in native code.', emulated: true },
  { code: 441, name: 'UnauthorizedOperation', meaning: 'CAM check failed', fix: 'Grant the caller scf:InvokeFunction.', emulated: false },
  { code: 442, name: 'QualifierNotFound', meaning: 'version or alias not found', fix: 'Check the qualifier.', emulated: false },
  { code: 443, name: 'UserCodeError', meaning: 'user code error (the module failed to load)', fix: 'Fix the error raised while loading the handler module (syntax error, failed import).', emulated: true },
  { code: 444, name: 'PullImageFailed', meaning: 'the image could not be pulled', fix: 'Check the image address and registry credentials.', emulated: false },
  { code: 445, name: 'ContainerInitError', meaning: 'the bootstrap or image command failed to start', fix: 'Check that scf_bootstrap is executable and starts the runtime.', emulated: true },
  { code: 446, name: 'PortBindingFailed', meaning: 'the web function did not listen on 9000 within the init timeout', fix: 'Listen on port 9000 in scf_bootstrap.', emulated: true },
  { code: 447, name: 'PullImageTimeOut', meaning: 'pulling the image timed out', fix: 'Use a smaller image or retry.', emulated: false },
  { code: 449, name: 'InsufficientResources', meaning: 'not enough resources', fix: 'Retry later.', emulated: false },
  { code: 450, name: 'InitContainerTimeout', meaning: 'start-up exceeded the init timeout', fix: 'Raise `initTimeout` or do less work when the module loads.', emulated: true },
  { code: 452, name: 'NetworkSuspended', meaning: 'network suspended', fix: 'Check the account status.', emulated: false },
  { code: 499, name: 'RequestCanceled', meaning: 'the request was canceled', fix: '', emulated: true },
  { code: 500, name: 'InternalError', meaning: 'platform error', fix: 'Retry; report it if it persists.', emulated: true },
];

const BY_CODE = new Map(STATUS_CODES.map((s) => [s.code, s]));

export function statusInfo(code: number): StatusCodeInfo {
  return BY_CODE.get(code) ?? { code, name: 'Unknown', meaning: 'not a documented SCF status code', fix: '', emulated: false };
}

/** The platform's answers to an event it refused before any code ran (emulator.ts checkEvent): 400, 406. */
const REFUSALS: ReadonlySet<number> = new Set([400, 406]);

/** Whether `code` says the event was refused before any code ran (it was never accepted). */
export function refusesEvent(code: number): boolean {
  return REFUSALS.has(code);
}

/** `433 TimeLimitReached`, as the output panel and the CLI show it. */
export function statusLabel(code: number): string {
  return `${code} ${statusInfo(code).name}`;
}

/**
 * A result's error message in a summary (the output panel, the CLI, the test explorer): after `Error: `,
 * unless the message names its error itself (`TypeError: boom`, `ValueError: bad input`, `Error: boom`),
 * which is not labelled twice. (The log's own `[ERROR]` line is emulator.ts's.)
 */
export function errorMessageLine(message: string): string {
  return /^(?:[A-Za-z_$][\w$.]*)?(?:Error|Exception)\b/.test(message) ? message : `Error: ${message}`;
}

/** How a result's instance started, as the CLI and the test explorer say it: an event refused before any code ran met none. */
export function startLabel(r: { statusCode: number; coldStart: boolean }): string {
  return refusesEvent(r.statusCode) ? 'no instance: the event was refused' : r.coldStart ? 'cold start' : 'warm start';
}

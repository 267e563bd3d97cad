/**
 * SCF management API error codes that a deploy or an invoke can meet, with what to do about each
 * (scf-platform-facts §6 and the API's common errors). The local endpoint answers with these codes;
 * the client shows the code, the API's message and the fix.
 */
import { newestRuntime } from '../../model/runtimes';

export interface ApiErrorInfo {
  code: string;
  fix: string;
}

const TABLE: ApiErrorInfo[] = [
  { code: 'AuthFailure.SignatureFailure', fix: 'The SecretKey does not match the SecretId. Run "SCF: Set Credentials" again or fix TENCENT_SECRET_KEY (environment or .env).' },
  { code: 'AuthFailure.SecretIdNotFound', fix: 'The SecretId is unknown (deleted or mistyped). Create a key pair in the CAM console (API keys) and set it again. For the local endpoint, its key pair is in the state folder\'s credentials.json.' },
  { code: 'AuthFailure.InvalidSecretId', fix: 'The SecretId is malformed; copy it again from the CAM console (API keys).' },
  { code: 'AuthFailure.SignatureExpire', fix: 'The signature expired: the computer\'s clock is more than 5 minutes off. Sync the clock.' },
  { code: 'AuthFailure.InvalidAuthorization', fix: 'The request was not signed as the API expects (TC3-HMAC-SHA256, for the service the endpoint is: scf).' },
  { code: 'AuthFailure.UnauthorizedOperation', fix: 'The key pair lacks a CAM permission for this action; grant QcloudSCFFullAccess (or scf:* on the function) to the sub-account.' },
  { code: 'UnauthorizedOperation', fix: 'CAM refused the action; grant the sub-account the SCF permissions it needs.' },
  { code: 'InvalidParameter.FunctionName', fix: 'Function names hold letters, digits, "_" and "-", start with a letter, end with a letter or digit, 2 to 60 characters: fix `name` in serverless.yml.' },
  { code: 'InvalidParameterValue.FunctionName', fix: 'Function names hold letters, digits, "_" and "-", start with a letter, end with a letter or digit, 2 to 60 characters: fix `name` in serverless.yml.' },
  { code: 'InvalidParameterValue.Memory', fix: '`memorySize` must be 64, or 128 to 3072 in steps of 128 (MB).' },
  { code: 'InvalidParameterValue.Timeout', fix: '`timeout` must be 1 to 900 seconds for an event function.' },
  { code: 'InvalidParameterValue.InitTimeout', fix: '`initTimeout` must be 1 to 300 seconds.' },
  { code: 'InvalidParameterValue.Runtime', fix: `Use a runtime the platform offers (e.g. ${newestRuntime('nodejs')?.name}, ${newestRuntime('python')?.name}); fix \`runtime\`.` },
  { code: 'InvalidParameterValue.Handler', fix: 'Event functions need `handler` as file.function (e.g. index.main_handler).' },
  { code: 'InvalidParameterValue.Environment', fix: 'Environment keys match [a-zA-Z][a-zA-Z0-9_]* (2 to 64 bytes) and must not start with SCF_, QCLOUD_ or TENCENTCLOUD_.' },
  { code: 'InvalidParameterValue.ZipFile', fix: 'The code package must be a valid zip of at most 50 MB; redeploy (the toolkit builds it for you).' },
  { code: 'InvalidParameterValue.Action', fix: 'The action name is wrong; this is a toolkit bug, please report it.' },
  { code: 'InvalidParameterValue.CosBucketRegion', fix: 'The COS bucket must be in the function\'s region.' },
  { code: 'InvalidParameterValue.DeadLetterConfig', fix: 'DeadLetterConfig.Type must be one of CMQ-TOPIC, CMQ-QUEUE, topic, queue, and Name must not be empty.' },
  { code: 'InvalidParameterValue.Enable', fix: 'Use OPEN or CLOSE.' },
  { code: 'InvalidParameterValue.OrderBy', fix: 'OrderBy must be one of the fields the action lists.' },
  { code: 'InvalidParameterValue.InvocationType', fix: 'InvocationType is RequestResponse (sync) or Event (async).' },
  { code: 'InvalidParameterValue.LogType', fix: 'LogType is None or Tail.' },
  { code: 'InvalidParameterValue.ClientContext', fix: 'The event must be a JSON object; check the test event file.' },
  { code: 'InvalidParameterValue.Namespace', fix: 'Namespace names hold letters, digits, "_" and "-" (1 to 30 characters).' },
  { code: 'InvalidParameterValue', fix: 'A parameter is out of range; read the message.' },
  { code: 'InvalidParameter', fix: 'A parameter is malformed; read the message.' },
  { code: 'InvalidParameter.Payload', fix: 'The request body is not valid JSON; this is a toolkit bug, please report it.' },
  { code: 'MissingParameter', fix: 'A required parameter is missing; read the message.' },
  { code: 'InvalidAction', fix: 'The endpoint does not offer this action; update the toolkit (local) or check the API version.' },
  { code: 'NoSuchVersion', fix: 'Use API version 2018-04-16.' },
  { code: 'ResourceNotFound.Function', fix: 'The function does not exist in this region and namespace; deploy it first, or check `region`, `namespace` and `name`.' },
  { code: 'ResourceNotFound.FunctionName', fix: 'The function does not exist in this region and namespace; deploy it first, or check `region`, `namespace` and `name`.' },
  { code: 'ResourceNotFound.Namespace', fix: 'The namespace does not exist: deploy creates it; elsewhere create it in the SCF console, or set `namespace: default`.' },
  { code: 'ResourceInUse.Namespace', fix: 'The namespace exists already.' },
  { code: 'ResourceInUse.Function', fix: 'A function with this name exists already; the toolkit updates it instead (retry the deploy).' },
  { code: 'FailedOperation.UpdateFunctionCode', fix: 'The function is busy (creating or updating); wait until it is Active and retry.' },
  { code: 'FailedOperation.UpdateFunctionConfiguration', fix: 'The function is busy (creating or updating); wait until it is Active and retry.' },
  { code: 'FailedOperation.FunctionStatusError', fix: 'The function is not Active (still deploying, or its deploy failed); check its status and redeploy.' },
  { code: 'FailedOperation.InvokeFunction', fix: 'The function could not be run; read the message.' },
  { code: 'LimitExceeded.Function', fix: 'The account\'s function quota is reached; delete unused functions or ask for more.' },
  { code: 'RequestSizeLimitExceeded', fix: 'The request is too large; keep the package under 50 MB.' },
  { code: 'RequestLimitExceeded', fix: 'Too many API calls per second; retry in a moment.' },
  { code: 'InternalError', fix: 'A platform error; retry, and report it if it persists.' },
];

const BY_CODE = new Map(TABLE.map((e) => [e.code, e]));

/** The fix for an API error code: the exact code first, then its family (the part before the dot). */
export function apiErrorFix(code: string): string {
  const exact = BY_CODE.get(code);
  if (exact) return exact.fix;
  const family = BY_CODE.get(code.split('.')[0]!);
  return family?.fix ?? '';
}

export const API_ERRORS: readonly ApiErrorInfo[] = TABLE;

/** An error the API answers with: `{"Response":{"Error":{"Code","Message"},"RequestId"}}`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

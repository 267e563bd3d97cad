import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUILT_IN_TEMPLATES,
  readTemplate,
  templatesFor,
  checkEventText,
  eventNameProblem,
  suggestName,
  createEvent,
  listEvents,
  renameEvent,
  duplicateEvent,
  deleteEvent,
  readEvent,
  eventFromPath,
  functionEventsDir,
  SYNC_EVENT_LIMIT_BYTES,
  ASYNC_EVENT_LIMIT_BYTES,
} from '../../src/events';

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-events-'));
  writeFileSync(join(dir, 'serverless.yml'), 'component: scf\nname: demo\ninputs:\n  handler: index.main_handler\n');
  return join(dir, 'serverless.yml');
}

test('every built-in template is a JSON object that passes the event check', () => {
  assert.deepEqual(
    BUILT_IN_TEMPLATES.map((t) => t.label),
    ['Hello World', 'API Gateway request', 'COS object created', 'COS object removed', 'CMQ topic message', 'CKafka message', 'Timer', 'CLS logs', 'MPS workflow task', 'CLB request'],
  );
  for (const t of BUILT_IN_TEMPLATES) {
    const text = readTemplate(t);
    const check = checkEventText(text, { file: t.file });
    assert.ok(check.ok, `${t.file}: ${JSON.stringify(!check.ok && check.problems)}`);
  }
});

test('templates have the shapes of SCF trigger events', () => {
  const load = (id: string) => JSON.parse(readTemplate(BUILT_IN_TEMPLATES.find((t) => t.id === id)!));
  const cos = load('cos-object-created');
  assert.equal(cos.Records[0].event.eventName, 'cos:ObjectCreated:Put');
  assert.equal(cos.Records[0].cos.cosBucket.name, 'examplebucket');
  assert.equal(load('cos-object-removed').Records[0].event.eventName, 'cos:ObjectRemove:Delete');
  assert.equal(load('cmq-topic').Records[0].CMQ.type, 'topic');
  assert.equal(typeof load('ckafka').Records[0].Ckafka.offset, 'number');
  const timer = load('timer');
  assert.equal(timer.Type, 'Timer');
  assert.match(timer.Time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const api = load('apigateway');
  assert.equal(api.httpMethod, api.requestContext.httpMethod);
  assert.equal(typeof api.body, 'string');
  assert.deepEqual(JSON.parse(api.body), { name: 'Alice', email: 'alice@example.com' });
  // CLS sends its log batch gzipped and base64-encoded, as SCF's CLS demos unpack it.
  const cls = JSON.parse(gunzipSync(Buffer.from(load('cls').clslogs.data, 'base64')).toString('utf8')) as { topic_id: string; records: Array<{ content: string }> };
  assert.equal(cls.records.length, 2);
  assert.equal(JSON.parse(cls.records[0]!.content).status, '200');
  assert.equal(load('mps').WorkflowTaskEvent.MediaProcessResultSet[0].TranscodeTask.Output.OutputStorage.CosOutputStorage.Region, 'ap-guangzhou');
  assert.equal(load('clb').headers.Host, 'test.clb-scf.com');
});

test('templates that fit the function triggers come first', () => {
  assert.deepEqual(templatesFor(['timer']).map((t) => t.id).slice(0, 2), ['timer', 'hello-world']);
  assert.deepEqual(templatesFor(['cos']).map((t) => t.id).slice(0, 2), ['cos-object-created', 'cos-object-removed']);
  assert.equal(templatesFor([]).length, BUILT_IN_TEMPLATES.length);
});

test('event names follow the console rule: letters, digits, - and _, starting with a letter', () => {
  for (const good of ['a', 'upload', 'Order_paid-2', 'x1']) assert.equal(eventNameProblem(good), undefined, good);
  assert.match(eventNameProblem('')!, /Enter a name/);
  assert.match(eventNameProblem('1st')!, /start with a letter/);
  assert.match(eventNameProblem('-x')!, /start with a letter/);
  assert.match(eventNameProblem('my event')!, /holds " "/);
  assert.match(eventNameProblem('a.json')!, /holds "\."/);
  assert.match(eventNameProblem('a/b')!, /holds "\/"/);
  assert.match(eventNameProblem('héllo')!, /holds "é"/);
  assert.equal(suggestName('API Gateway request', new Set()), 'apiGatewayRequest');
  assert.equal(suggestName('Hello World', new Set(['helloWorld'])), 'helloWorld2');
});

test('a syntax error is reported with its line and column', () => {
  const check = checkEventText('{\n  "a": 1,\n  "b": 2,\n}\n', { file: 'x.json' });
  assert.equal(check.ok, false);
  if (check.ok) return;
  assert.equal(check.problems[0]!.code, 'event.syntax');
  assert.equal(check.problems[0]!.line, 3);
  assert.match(check.problems[0]!.message, /^x\.json:4:1: JSON syntax error/);

  const missingComma = checkEventText('{\n  "a": 1\n  "b": 2\n}', { file: 'y.json' });
  assert.ok(!missingComma.ok && missingComma.problems[0]!.line === 2 && /expected ","/.test(missingComma.problems[0]!.message));
  const comment = checkEventText('{\n // note\n "a": 1 }');
  assert.ok(!comment.ok && /comments are not allowed/.test(comment.problems[0]!.message));
});

test('an event that is not a JSON object fails the schema with the reason and SCF status', () => {
  for (const [text, what] of [['[1, 2]', 'an array'], ['"hi"', 'a string'], ['42', 'a number'], ['null', 'null']] as const) {
    const check = checkEventText(`\n${text}`, { file: 'e.json' });
    assert.ok(!check.ok, text);
    if (check.ok) continue;
    assert.equal(check.problems[0]!.code, 'event.schema');
    assert.equal(check.problems[0]!.line, 1);
    assert.ok(check.problems[0]!.message.includes(what) && check.problems[0]!.message.includes('400'), check.problems[0]!.message);
  }
  assert.match((checkEventText('  ') as { problems: { message: string }[] }).problems[0]!.message, /empty/);
});

test('events over 6 MB (sync) or 128 KB (async) are refused before invoking', () => {
  const big = JSON.stringify({ data: 'x'.repeat(SYNC_EVENT_LIMIT_BYTES) });
  const check = checkEventText(big, { file: 'big.json' });
  assert.ok(!check.ok && check.problems[0]!.code === 'event.tooLarge' && /6 MB/.test(check.problems[0]!.message));
  const medium = JSON.stringify({ data: 'x'.repeat(ASYNC_EVENT_LIMIT_BYTES) });
  assert.ok(checkEventText(medium).ok);
  const asyncCheck = checkEventText(medium, { invocationType: 'Event' });
  assert.ok(!asyncCheck.ok && /128 KB for a async|128 KB/.test(asyncCheck.problems[0]!.message));
});

test('custom events live in .scf/events/<function>/<name>.json beside serverless.yml', async () => {
  const yml = project();
  const created = await createEvent(yml, 'hello', 'first', '{"a": 1}');
  assert.ok(created.ok);
  if (!created.ok) return;
  assert.equal(created.value.file, join(yml, '..', '.scf', 'events', 'hello', 'first.json'));
  assert.equal(readFileSync(created.value.file, 'utf8'), '{"a": 1}\n');
  assert.deepEqual((await listEvents(yml, 'hello')).map((e) => e.name), ['first']);
  assert.deepEqual(await listEvents(yml, 'other'), []);
  // An expectation beside the event (src/testing) is not an event of its own.
  const expectFile = join(yml, '..', '.scf', 'events', 'hello', 'first.expect.json');
  writeFileSync(expectFile, '{"statusCode": 200}\n');
  assert.deepEqual((await listEvents(yml, 'hello')).map((e) => e.name), ['first']);
  assert.equal(eventFromPath(expectFile), undefined);

  const again = await createEvent(yml, 'hello', 'first', '{}');
  assert.ok(!again.ok && again.error.code === 'events.exists');
  const bad = await createEvent(yml, 'hello', '9lives', '{}');
  assert.ok(!bad.ok && bad.error.code === 'events.badName');
  const escape = await createEvent(yml, '../x', 'ok', '{}');
  assert.ok(!escape.ok && escape.error.code === 'events.badFunctionName');

  const parsed = eventFromPath(created.value.file);
  assert.equal(parsed?.event.functionName, 'hello');
  assert.equal(parsed?.event.name, 'first');
  assert.equal(parsed?.serverlessDir, join(yml, '..'));
  assert.equal(eventFromPath(join(yml, '..', 'src', 'first.json')), undefined);
});

test('rename, duplicate and delete keep the folder consistent', async () => {
  const yml = project();
  const a = await createEvent(yml, 'fn', 'upload', '{"k": "v"}');
  assert.ok(a.ok);
  if (!a.ok) return;
  const renamed = await renameEvent(a.value, 'uploadPhoto');
  assert.ok(renamed.ok);
  if (!renamed.ok) return;
  assert.ok(!existsSync(a.value.file));
  assert.equal(readFileSync(renamed.value.file, 'utf8'), '{"k": "v"}\n');
  const badRename = await renameEvent(renamed.value, 'has space');
  assert.ok(!badRename.ok && badRename.error.code === 'events.badName');

  const copy = await duplicateEvent(renamed.value);
  assert.ok(copy.ok && copy.value.name === 'uploadPhoto-copy');
  const copy2 = await duplicateEvent(renamed.value);
  assert.ok(copy2.ok && copy2.value.name === 'uploadPhoto-copy-2');
  const clash = await renameEvent(renamed.value, 'uploadPhoto-copy');
  assert.ok(!clash.ok && clash.error.code === 'events.exists');

  const read = await readEvent(copy2.ok ? copy2.value : renamed.value);
  assert.ok(read.ok && read.value.includes('"k"'));

  for (const e of await listEvents(yml, 'fn')) assert.ok((await deleteEvent(e)).ok);
  assert.ok(!existsSync(functionEventsDir(yml, 'fn')), 'the empty function folder is removed');
  const gone = await deleteEvent(renamed.value);
  assert.ok(!gone.ok && gone.error.code === 'events.notFound');
});

test('a sixth custom event is allowed, with a warning about the console limit of 5', async () => {
  const yml = project();
  for (let i = 1; i <= 5; i++) {
    const r = await createEvent(yml, 'fn', `e${i}`, '{}');
    assert.ok(r.ok && r.warning === undefined);
  }
  const sixth = await createEvent(yml, 'fn', 'e6', '{}');
  assert.ok(sixth.ok);
  assert.match(sixth.ok ? (sixth.warning ?? '') : '', /6 test events.*at most 5/);
  assert.equal(readdirSync(functionEventsDir(yml, 'fn')).length, 6);
});

test('files with names that break the rule are still listed, flagged', async () => {
  const yml = project();
  const dir = functionEventsDir(yml, 'fn');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '1bad name.json'), '{}');
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  const events = await listEvents(yml, 'fn');
  assert.equal(events.length, 1);
  assert.match(events[0]!.nameProblem!, /start with a letter/);
});

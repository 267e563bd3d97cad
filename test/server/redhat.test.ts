/**
 * With the Red Hat YAML extension installed, each problem must show once. Its language server is
 * yaml-language-server; here it gets exactly what our client gives it in VS Code (an empty
 * contributed schema for serverless.yml through the custom schema provider, while another schema is
 * also associated with the file), and our server runs with syntaxErrors off. Together: syntax errors from it only,
 * schema and SCF errors from us only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidChangeConfigurationNotification, DidOpenTextDocumentNotification, NotificationType, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { startClient, startScfServer } from './lspClient';

const SCHEME = 'scf-toolkit-schema';

test('Red Hat YAML + SCF Toolkit: every problem reported by exactly one of them', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scf-redhat-'));
  const schemaRequests: string[] = [];
  // A competing association, as SchemaStore's serverless.yml entry or a user setting would make: the
  // contributor must win over it.
  const schemaUri = pathToFileURL(join(__dirname, '..', '..', 'schemas', 'serverless-scf.schema.json')).toString();
  const settings = { yaml: { validate: true, schemaStore: { enable: false }, schemas: { [schemaUri]: ['**/*.yml'] } } };
  const redhat = await startClient({
    command: process.execPath,
    args: [require.resolve('yaml-language-server/bin/yaml-language-server'), '--stdio'],
    rootUri: pathToFileURL(dir).toString(),
    configuration: (section) => (section ? (settings as Record<string, unknown>)[section] ?? null : settings),
    requests: {
      // What src/views/languageClient.ts registers with the Red Hat extension's API.
      'custom/schema/request': (resource) => {
        schemaRequests.push(String(resource));
        return /serverless\.ya?ml$/.test(String(resource)) ? `${SCHEME}://schemas/serverless-yml-checked-by-scf-toolkit` : [];
      },
      'custom/schema/content': () => '{}',
    },
  });
  const ours = await startScfServer({ debounceMs: 0, syntaxErrors: false });
  try {
    await redhat.connection.sendNotification(new NotificationType<unknown>('yaml/registerCustomSchemaRequest'), undefined);
    await redhat.connection.sendNotification(DidChangeConfigurationNotification.type, { settings });
    const open = async (name: string, text: string, file = 'serverless.yml'): Promise<{ theirs: Diagnostic[]; mine: Diagnostic[] }> => {
      mkdirSync(join(dir, name), { recursive: true });
      const uri = pathToFileURL(join(dir, name, file)).toString();
      const doc = { textDocument: { uri, languageId: 'yaml', version: 1, text } };
      const a = redhat.diagnostics(uri);
      await redhat.connection.sendNotification(DidOpenTextDocumentNotification.type, doc);
      // Our client only hands serverless.yml / serverless.yaml to our server.
      if (file !== 'serverless.yml') return { theirs: (await a).diagnostics, mine: [] };
      const b = ours.diagnostics(uri);
      await ours.connection.sendNotification(DidOpenTextDocumentNotification.type, doc);
      return { theirs: (await a).diagnostics, mine: (await b).diagnostics };
    };

    const badText = 'component: scf\nname: x\ninputs:\n  runtime: Nodejs99\n  memorySize: 100\n  unknownKey: 1\n';
    // Control: a file the contributor declines is checked by yaml-language-server against the association.
    const control = await open('control', badText, 'other.yml');
    assert.ok(control.theirs.length >= 2, `yaml-language-server checks other.yml: ${JSON.stringify(control.theirs)}`);

    // Schema and SCF problems in serverless.yml: ours only (the contributed empty schema wins).
    const bad = await open('schema', badText);
    assert.deepEqual(bad.theirs, []);
    assert.deepEqual(bad.mine.map((d) => d.code).sort(), ['scf.handler.fileMissing', 'scf.memory.invalid', 'scf.schema.enum', 'scf.schema.unknownKey']);
    assert.ok(schemaRequests.some((r) => r.endsWith('/schema/serverless.yml')), 'yaml-language-server asked our contributor');

    // A syntax error: theirs only.
    const broken = await open('syntax', 'component: scf\nname: "x\ninputs: {}\n');
    assert.ok(broken.theirs.length > 0, 'yaml-language-server reports the syntax error');
    assert.deepEqual(broken.mine, []);
  } finally {
    await redhat.stop();
    await ours.stop();
  }
});

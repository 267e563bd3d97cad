/** Completion, hover, Go to Definition, outline and quick fixes: each asks the service about an open document. */
import { isServerlessFile } from '../service';
import { guard, type ServerState } from './server';

export function registerFeatures(state: ServerState): void {
  const { connection, documents } = state;
  const serverlessDoc = (uri: string) => {
    const doc = documents.get(uri);
    return doc && isServerlessFile(doc.uri) ? doc : undefined;
  };

  connection.onCompletion((p) => {
    const doc = serverlessDoc(p.textDocument.uri);
    if (!doc) return [];
    return guard(connection, 'completion', [], () => state.service.completion(doc.uri, doc.version, doc.getText(), p.position.line, p.position.character));
  });

  connection.onHover((p) => {
    const doc = serverlessDoc(p.textDocument.uri);
    if (!doc) return null;
    return guard(connection, 'hover', null, () => state.service.hover(doc.uri, doc.version, doc.getText(), p.position.line, p.position.character) ?? null);
  });

  connection.onDefinition((p) => {
    const doc = serverlessDoc(p.textDocument.uri);
    if (!doc) return null;
    return guard(connection, 'definition', null, () => state.service.definition(doc.uri, doc.version, doc.getText(), p.position.line, p.position.character) ?? null);
  });

  connection.onDocumentSymbol((p) => {
    const doc = serverlessDoc(p.textDocument.uri);
    if (!doc) return [];
    return guard(connection, 'symbols', [], () => state.service.symbols(doc.uri, doc.version, doc.getText()));
  });

  connection.onCodeAction((p) => guard(connection, 'code actions', [], () => state.service.codeActions(p.textDocument.uri, p.context.diagnostics, state.canCreateFiles)));
}

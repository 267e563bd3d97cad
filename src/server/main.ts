/**
 * The serverless.yml language server (dist/server.js), started by the extension over IPC, or by any
 * LSP client with `--stdio`. The wire lives in handlers/ (one module per part of the protocol, thin);
 * the language logic in ScfLanguageService (service.ts and the feature modules beside it), which
 * knows nothing of the connection. The split follows yaml-language-server's
 * languageserver/handlers vs languageservice/services.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './handlers/server';

startServer(createConnection(ProposedFeatures.all));

/** workspace/executeCommand: `scf.createFile` (the quick fix that creates an executable scf_bootstrap or a handler file). */
import { CREATE_FILE_COMMAND, createFile, type CreateFileArgs } from '../codeActions';
import type { ServerState } from './server';
import type { Validation } from './validation';

export function registerCommands(state: ServerState, validation: Validation): void {
  state.connection.onExecuteCommand((p) => {
    if (p.command !== CREATE_FILE_COMMAND) return;
    const args = p.arguments?.[0] as CreateFileArgs | undefined;
    if (!args || typeof args.path !== 'string' || typeof args.content !== 'string') return;
    const created = createFile(args);
    if (!created.ok) {
      const show = created.error.code === 'file.exists' ? state.connection.window.showWarningMessage : state.connection.window.showErrorMessage;
      void show.call(state.connection.window, created.error.message);
      return;
    }
    state.service.invalidate();
    validation.recheckOpen(0);
  });
}

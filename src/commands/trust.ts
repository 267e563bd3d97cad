/** Why a command that runs the functions' code does nothing in Restricted Mode (Invoke, Debug, the gateway). */
export function untrustedMessage(command: string): string {
  return `SCF: ${command} runs your functions' code on this machine, and this workspace is not trusted, so it is disabled. Validation works either way. Trust the workspace to use it.`;
}

/** Where JSON.parse failed, as a 1-based line and column, so a message can point into the file. */
export function jsonErrorPosition(text: string): { line: number; column: number; message: string } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    const message = (e as Error).message;
    const m = /position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : text.length;
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return { line, column, message: message.replace(/ in JSON at position \d+.*$/, '') };
  }
}

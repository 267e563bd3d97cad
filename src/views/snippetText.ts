/** Snippet text helpers (no vscode import: tested in plain Node). */

/** A snippet body with each placeholder replaced by its default (the first choice of `${1|a,b|}`). */
export function snippetDefaults(body: string): string {
  return body
    .replace(/\$\{\d+\|([^,|}]*)[^}]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '')
    .replace(/\\\$/g, '$');
}

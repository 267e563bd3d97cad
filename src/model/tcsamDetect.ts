/**
 * Whether a file is a TCSAM template (the older SCF CLI's template.yaml). Kept free of dependencies so
 * the extension can tell while it scans the workspace without loading the YAML parser.
 */
export const TCSAM_FILE_NAMES = ['template.yaml', 'template.yml'] as const;

export function isTcsamText(text: string): boolean {
  // A top-level `Resources:` (block YAML) or `"Resources":` (the JSON form TCSAM also allows).
  return /^(Resources|"Resources")\s*:|[{,]\s*"Resources"\s*:/m.test(text) && /TencentCloud::Serverless::(Function|Namespace)/.test(text);
}

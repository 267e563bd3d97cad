/** Names of variables whose values are not shown (the tree, hovers): they look like credentials. */
const SECRET_KEY = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY)/i;

export function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** The value as shown: masked when the name looks secret and there is a value. */
export function displayValue(key: string, value: string): string {
  return looksSecret(key) && value !== '' ? '••••••' : value;
}

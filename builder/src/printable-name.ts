/**
 * A name taken from input (a histogram name, a key) made safe to print in a report: control
 * characters, bidirectional overrides and other invisible format characters become \uXXXX escapes
 * (and a backslash \\, so escapes are unambiguous), and long names are cut. Pure.
 */
export const MAX_PRINTED_NAME = 80;

const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point (they are escaped in printed names)
  /[\\\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/g;

export function printableName(name: string, maxLength = MAX_PRINTED_NAME): string {
  const cut = name.length > maxLength ? name.slice(0, maxLength) : name;
  const escaped = cut.replace(UNPRINTABLE, (char) => (char === '\\' ? '\\\\' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return name.length > maxLength ? `${escaped}... (${name.length} characters)` : escaped;
}

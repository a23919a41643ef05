/** The lines of a text as the input readers must yield them: split at "\n" (a "\r" stays), a last newline starts no further line. */
export function linesOfText(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

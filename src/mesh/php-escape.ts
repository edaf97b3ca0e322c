/**
 * PHP's input escaping as the original api.php's test_input() applies it, pure string functions (a leaf:
 * the config checks the network key with it).
 */

/** The characters PHP's trim() strips by default: " \t\n\r\0\x0B". */
const TRIMMED = new Set([' ', '\t', '\n', '\r', '\0', '\v']);

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '"': '&quot;',
  "'": '&#039;',
  '<': '&lt;',
  '>': '&gt;',
};

/** PHP trim() with the default character list. */
export function phpTrim(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && TRIMMED.has(value[start])) start++;
  while (end > start && TRIMMED.has(value[end - 1])) end--;
  return value.slice(start, end);
}

/** PHP stripslashes(): `\\` → `\`, `\0` → NUL, `\x` → `x`, a lone trailing `\` is dropped. */
export function phpStripslashes(value: string): string {
  return value.replace(/\\([\s\S]?)/g, (_, next: string) => (next === '0' ? '\0' : next));
}

/**
 * PHP 8.1+ htmlspecialchars() with its default flags (ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML401,
 * double encoding on). A JS string cannot hold invalid UTF-8; its counterpart, a lone surrogate,
 * becomes U+FFFD as ENT_SUBSTITUTE does.
 */
export function phpHtmlspecialchars(value: string): string {
  const wellFormed = Buffer.from(value, 'utf8').toString('utf8');
  return wellFormed.replace(/[&"'<>]/g, (ch) => HTML_ESCAPES[ch]);
}

/** The original api.php's test_input(): htmlspecialchars(stripslashes(trim($v))); a missing value is "". */
export function testInput(value: string | undefined): string {
  if (value === undefined) return '';
  return phpHtmlspecialchars(phpStripslashes(phpTrim(value)));
}

// Names that come from files (a model JSON's "name", class names, paths) are data, not trusted
// text: a default file name made from one keeps to a plain file name in the working directory,
// and one printed to a terminal shows its control characters escaped, never raw (a raw escape
// sequence can rewrite the screen or hide the rest of a message).

/**
 * A file name made of `name`: only letters, digits, '.', '_' and '-', no leading dot, no path
 * separator, at most 100 characters; `fallback` when nothing usable is left.
 * "../escaped" becomes "escaped", "/abs/x" becomes "abs_x".
 */
export function safeFileName(name: string, fallback = 'model'): string {
  const plain = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/_+$/, '')
    .slice(0, 100);
  return plain === '' ? fallback : plain;
}

/** `text` with C0/C1 control characters and DEL written as \xNN (newlines too unless keepNewlines). */
export function printable(text: string, keepNewlines = false): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => {
    if (keepNewlines && ch === '\n') return ch;
    return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

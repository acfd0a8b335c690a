// The error every dataset reader throws for a bad or missing file. Its message names the
// file, says what is wrong and, when the fix is obvious, what to do; the CLI prints it
// as-is (no stack), so it must stand on its own.

export class DataError extends Error {
  /** The file or directory the problem is about. */
  readonly file: string;

  constructor(file: string, message: string) {
    super(message);
    this.name = 'DataError';
    this.file = file;
  }
}

// A 5x7 bitmap font for printable ASCII (32..126), drawn for this project: enough to put
// labels, tick values and legends into PNG files without a font engine. Each glyph is seven
// rows of five pixels ('#' on, '.' off); text advances 6 pixels per character and a line is
// 8 pixels high (one pixel of spacing each way).
import type { Canvas, Rgb } from './canvas';

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Horizontal advance and line height of the font at scale 1. */
export const CHAR_ADVANCE = 6;
export const LINE_HEIGHT = 8;

// "<char> <row1> ... <row7>"
const GLYPHS = [
  '  ..... ..... ..... ..... ..... ..... .....',
  '! ..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '" .#.#. .#.#. .#.#. ..... ..... ..... .....',
  '# .#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '$ ..#.. .#### #.#.. .###. ..#.# ####. ..#..',
  '% ##... ##..# ...#. ..#.. .#... #..## ...##',
  '& .##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  "' ..#.. ..#.. .#... ..... ..... ..... .....",
  '( ...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ') .#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '* ..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '+ ..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  ', ..... ..... ..... ..... .##.. ..#.. .#...',
  '- ..... ..... ..... ##### ..... ..... .....',
  '. ..... ..... ..... ..... ..... .##.. .##..',
  '/ ..... ....# ...#. ..#.. .#... #.... .....',
  '0 .###. #...# #..## #.#.# ##..# #...# .###.',
  '1 ..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2 .###. #...# ....# ...#. ..#.. .#... #####',
  '3 ##### ...#. ..#.. ...#. ....# #...# .###.',
  '4 ...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5 ##### #.... ####. ....# ....# #...# .###.',
  '6 ..##. .#... #.... ####. #...# #...# .###.',
  '7 ##### ....# ...#. ..#.. .#... .#... .#...',
  '8 .###. #...# #...# .###. #...# #...# .###.',
  '9 .###. #...# #...# .#### ....# ...#. .##..',
  ': ..... .##.. .##.. ..... .##.. .##.. .....',
  '; ..... .##.. .##.. ..... .##.. ..#.. .#...',
  '< ...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '= ..... ..... ##### ..... ##### ..... .....',
  '> .#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '? .###. #...# ....# ...#. ..#.. ..... ..#..',
  '@ .###. #...# ....# .##.# #.#.# #.#.# .###.',
  'A .###. #...# #...# ##### #...# #...# #...#',
  'B ####. #...# #...# ####. #...# #...# ####.',
  'C .###. #...# #.... #.... #.... #...# .###.',
  'D ###.. #..#. #...# #...# #...# #..#. ###..',
  'E ##### #.... #.... ####. #.... #.... #####',
  'F ##### #.... #.... ####. #.... #.... #....',
  'G .###. #...# #.... #.### #...# #...# .####',
  'H #...# #...# #...# ##### #...# #...# #...#',
  'I .###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  'J ..### ...#. ...#. ...#. ...#. #..#. .##..',
  'K #...# #..#. #.#.. ##... #.#.. #..#. #...#',
  'L #.... #.... #.... #.... #.... #.... #####',
  'M #...# ##.## #.#.# #.#.# #...# #...# #...#',
  'N #...# #...# ##..# #.#.# #..## #...# #...#',
  'O .###. #...# #...# #...# #...# #...# .###.',
  'P ####. #...# #...# ####. #.... #.... #....',
  'Q .###. #...# #...# #...# #.#.# #..#. .##.#',
  'R ####. #...# #...# ####. #.#.. #..#. #...#',
  'S .#### #.... #.... .###. ....# ....# ####.',
  'T ##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  'U #...# #...# #...# #...# #...# #...# .###.',
  'V #...# #...# #...# #...# #...# .#.#. ..#..',
  'W #...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  'X #...# #...# .#.#. ..#.. .#.#. #...# #...#',
  'Y #...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  'Z ##### ....# ...#. ..#.. .#... #.... #####',
  '[ .###. .#... .#... .#... .#... .#... .###.',
  '\\ ..... #.... .#... ..#.. ...#. ....# .....',
  '] .###. ...#. ...#. ...#. ...#. ...#. .###.',
  '^ ..#.. .#.#. #...# ..... ..... ..... .....',
  '_ ..... ..... ..... ..... ..... ..... #####',
  '` .#... ..#.. ...#. ..... ..... ..... .....',
  'a ..... ..... .###. ....# .#### #...# .####',
  'b #.... #.... #.##. ##..# #...# #...# ####.',
  'c ..... ..... .###. #.... #.... #...# .###.',
  'd ....# ....# .##.# #..## #...# #...# .####',
  'e ..... ..... .###. #...# ##### #.... .###.',
  'f ..##. .#..# .#... ###.. .#... .#... .#...',
  'g ..... .#### #...# #...# .#### ....# .###.',
  'h #.... #.... #.##. ##..# #...# #...# #...#',
  'i ..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  'j ...#. ..... ..##. ...#. ...#. #..#. .##..',
  'k #.... #.... #..#. #.#.. ##... #.#.. #..#.',
  'l .##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  'm ..... ..... ##.#. #.#.# #.#.# #...# #...#',
  'n ..... ..... #.##. ##..# #...# #...# #...#',
  'o ..... ..... .###. #...# #...# #...# .###.',
  'p ..... ..... ####. #...# ####. #.... #....',
  'q ..... ..... .##.# #..## .#### ....# ....#',
  'r ..... ..... #.##. ##..# #.... #.... #....',
  's ..... ..... .###. #.... .###. ....# ####.',
  't .#... .#... ###.. .#... .#... .#..# ..##.',
  'u ..... ..... #...# #...# #...# #..## .##.#',
  'v ..... ..... #...# #...# #...# .#.#. ..#..',
  'w ..... ..... #...# #...# #.#.# #.#.# .#.#.',
  'x ..... ..... #...# .#.#. ..#.. .#.#. #...#',
  'y ..... ..... #...# #...# .#### ....# .###.',
  'z ..... ..... ##### ...#. ..#.. .#... #####',
  '{ ...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.',
  '| ..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  '} .#... ..#.. ..#.. ...#. ..#.. ..#.. .#...',
  '~ ..... ..... .#... #.#.# ...#. ..... .....',
];

/** Per character code, seven row masks (bit 4 = leftmost pixel). */
const FONT: Map<string, number[]> = new Map(
  GLYPHS.map((line) => [
    line[0],
    line
      .slice(2)
      .split(' ')
      .map((row) => parseInt(row.replace(/#/g, '1').replace(/\./g, '0'), 2)),
  ]),
);
/** Characters outside the font draw as '?'. */
const FALLBACK = FONT.get('?')!;

export function glyphRows(ch: string): number[] {
  return FONT.get(ch) ?? FALLBACK;
}

/** Width and height in pixels of one line of text at this scale (no trailing spacing column). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * CHAR_ADVANCE - 1) * scale;
}

export function textHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}

/** Draws text with its top-left corner at (x, y); pixels outside the canvas are skipped. */
export function drawText(canvas: Canvas, x: number, y: number, text: string, color: Rgb, scale = 1): void {
  for (let i = 0; i < text.length; i++) {
    const rows = glyphRows(text[i]);
    const left = x + i * CHAR_ADVANCE * scale;
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (rows[r] & (1 << (GLYPH_WIDTH - 1 - c)))
          canvas.fillRect(left + c * scale, y + r * scale, scale, scale, color);
      }
    }
  }
}

/** Draws text rotated 90 degrees counter-clockwise (reading bottom to top), its bottom-left corner at (x, y). */
export function drawTextVertical(canvas: Canvas, x: number, y: number, text: string, color: Rgb, scale = 1): void {
  for (let i = 0; i < text.length; i++) {
    const rows = glyphRows(text[i]);
    const bottom = y - i * CHAR_ADVANCE * scale;
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (rows[r] & (1 << (GLYPH_WIDTH - 1 - c)))
          canvas.fillRect(x + r * scale, bottom - (c + 1) * scale, scale, scale, color);
      }
    }
  }
}

/** Shortens text to at most `maxWidth` pixels at this scale, ending it with '.' when cut. */
export function fitText(text: string, maxWidth: number, scale = 1): string {
  if (textWidth(text, scale) <= maxWidth) return text;
  let n = text.length;
  while (n > 1 && textWidth(text.slice(0, n - 1) + '.', scale) > maxWidth) n--;
  return n <= 1 ? text.slice(0, 1) : text.slice(0, n - 1) + '.';
}

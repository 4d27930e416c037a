/** ANSI colours for terminal views; every paint is the identity when colour is off. */

export type Paint = (text: string) => string;

export interface Palette {
  readonly bold: Paint;
  readonly green: Paint;
  readonly red: Paint;
  readonly yellow: Paint;
  readonly dim: Paint;
}

const ansi =
  (on: boolean, code: string): Paint =>
  (text) =>
    on ? `\x1b[${code}m${text}\x1b[0m` : text;

export const paletteOf = (color: boolean): Palette => ({
  bold: ansi(color, '1'),
  green: ansi(color, '32'),
  red: ansi(color, '31'),
  yellow: ansi(color, '33'),
  dim: ansi(color, '2'),
});

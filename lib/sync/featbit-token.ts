/**
 * FeatBit's streaming connection token (docs/featbit-protocol.md §1.2): the env secret with an encoded timestamp spliced in at
 * a random position. Every SDK builds a fresh one for each connection attempt; the server decodes it, checks
 * the timestamp against its clock (±30 s by default) and the secret against its environments.
 */

/** Digit → letter, as FeatBit encodes numbers in tokens. */
const DIGIT_LETTERS = ['Q', 'B', 'W', 'S', 'P', 'H', 'D', 'X', 'Z', 'U'] as const;

const LETTER_DIGITS: ReadonlyMap<string, number> = new Map(
  DIGIT_LETTERS.map((letter, digit) => [letter, digit]),
);

/** Header: 3 letters for the splice position, 2 for the length of the encoded timestamp. */
const POSITION_WIDTH = 3;
const LENGTH_WIDTH = 2;
const HEADER_WIDTH = POSITION_WIDTH + LENGTH_WIDTH;

/** What a token carries. @publicApi */
export interface ConnectionTokenContent {
  /** The env secret, re-padded with `=` to a multiple of 4 characters. */
  readonly secret: string;
  /** Unix milliseconds when the token was built. */
  readonly timestamp: number;
}

/** `encode(n, width)`: decimal digits of `n`, zero-padded on the left, the last `width` kept, mapped to letters. */
function encodeNumber(value: number, width: number): string {
  const digits = String(value).padStart(width, '0').slice(-width);
  let text = '';
  for (const digit of digits) text += DIGIT_LETTERS[digit.charCodeAt(0) - 48];
  return text;
}

/** The number spelled by FeatBit letters, or undefined when a letter is outside the alphabet. */
function decodeNumber(text: string): number | undefined {
  if (text.length === 0) return undefined;
  let value = 0;
  for (const letter of text) {
    const digit = LETTER_DIGITS.get(letter);
    if (digit === undefined) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Builds a connection token for `envSecret` (docs/featbit-protocol.md §1.2): trailing `=` removed, the timestamp encoded with as
 * many letters as it has digits, spliced in at `max(floor(random() × length), 2)`.
 * @param timestamp Unix milliseconds (now by default).
 * @param random Picks the splice position (`Math.random` by default).
 * @publicApi
 */
export function buildConnectionToken(
  envSecret: string,
  timestamp: number = Date.now(),
  random: () => number = Math.random,
): string {
  const text = envSecret.replace(/=+$/, '');
  const time = Math.trunc(timestamp);
  const encodedTime = encodeNumber(time, String(time).length);
  const start = Math.max(Math.floor(random() * text.length), 2);
  return (
    encodeNumber(start, POSITION_WIDTH) +
    encodeNumber(encodedTime.length, LENGTH_WIDTH) +
    text.slice(0, start) +
    encodedTime +
    text.slice(start)
  );
}

/**
 * Decodes a connection token as the FeatBit server does, or returns undefined when it is not structurally
 * valid (short, letters outside the alphabet, a position that does not fit a byte or lies outside the token).
 * @publicApi
 */
export function parseConnectionToken(token: string): ConnectionTokenContent | undefined {
  if (token.length <= HEADER_WIDTH) return undefined;
  const position = decodeNumber(token.slice(0, POSITION_WIDTH));
  const length = decodeNumber(token.slice(POSITION_WIDTH, HEADER_WIDTH));
  if (position === undefined || length === undefined || position > 255 || length === 0) return undefined;
  const payload = token.slice(HEADER_WIDTH);
  if (position + length > payload.length) return undefined;
  const timestamp = decodeNumber(payload.slice(position, position + length));
  if (timestamp === undefined) return undefined;
  const secret = payload.slice(0, position) + payload.slice(position + length);
  if (secret.length === 0) return undefined;
  return { secret: padSecret(secret), timestamp };
}

/** The secret padded with `=` to a multiple of 4 (how FeatBit stores it: 44 characters). */
export function padSecret(secret: string): string {
  const remainder = secret.length % 4;
  return remainder === 0 ? secret : secret + '='.repeat(4 - remainder);
}

import { timingSafeEqual } from 'node:crypto';

/**
 * Tells whether a candidate is one of the env secrets a server accepts (the streaming token's secret, the insight
 * endpoint's `Authorization`). Every accepted secret is compared in constant time and the loop never stops early,
 * so the answer's timing says nothing about which secret, or which prefix, was close. Callers normalize both sides
 * the same way first (the streaming server re-pads with `=`, the insight endpoint trims the header).
 * @internal
 */
export function envSecretMatcher(secrets: readonly string[]): (candidate: string) => boolean {
  const accepted = secrets.map((secret) => Buffer.from(secret, 'utf8'));
  return (candidate) => {
    const bytes = Buffer.from(candidate, 'utf8');
    let known = false;
    for (const secret of accepted) {
      if (secret.length === bytes.length && timingSafeEqual(secret, bytes)) known = true;
    }
    return known;
  };
}

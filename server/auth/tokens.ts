import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenKind = 'admin' | 'invite' | 'judge';
const PREFIX: Record<TokenKind, string> = { admin: 'cadm_', invite: 'cinv_', judge: 'cjdg_' };

/** A new random token; the prefix tells a person (and a log reader) what kind it is. */
export const newToken = (kind: TokenKind) => PREFIX[kind] + randomBytes(24).toString('base64url');

/** Tokens are looked up by their SHA-256, so the database index never compares secrets byte by byte. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Constant-time comparison of two secrets of any length (both are hashed to 32 bytes first). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

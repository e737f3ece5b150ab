/**
 * An image's type told from its first bytes, never from its name or the type a client declared: a file named
 * `cat.png` holding HTML stays out. The patterns are the signatures each format's specification fixes, as the
 * WHATWG MIME Sniffing Standard's "image type pattern matching algorithm" (§6.1) lists them:
 * - PNG: the 8-byte signature 89 50 4E 47 0D 0A 1A 0A (PNG Specification, 3rd ed., §5.2 "PNG signature").
 * - JPEG: FF D8 FF, the SOI marker followed by the next marker's FF (ITU-T T.81 | ISO/IEC 10918-1, B.1.1.3 and
 *   Table B.1: SOI = X'FFD8', every marker starts with X'FF').
 * - WebP: "RIFF", a 4-byte little-endian size, then "WEBP" (RFC 9649, §2.4 "RIFF File Format" and §2.5 "RIFF
 *   Header": 'RIFF' File Size 'WEBP').
 * - GIF: "GIF87a" or "GIF89a" (GIF89a Specification, §17 "Header": Signature "GIF" and Version "87a" or "89a").
 */
import type { IMAGE_TYPES } from '../../shared/constants';

export type ImageType = (typeof IMAGE_TYPES)[number];

/** Bytes of a file's start that {@link sniffImage} needs to tell every type. */
export const SNIFF_BYTES = 12;

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0) => head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);

/** The image type of a file from its first {@link SNIFF_BYTES} bytes (or more), or null when it is none of the four. */
export function sniffImage(head: Uint8Array): ImageType | null {
  if (startsWith(head, PNG)) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  // Bytes 4–7 are the RIFF size, whatever they hold.
  if (startsWith(head, RIFF) && startsWith(head, WEBP, 8)) return 'image/webp';
  if (startsWith(head, GIF87) || startsWith(head, GIF89)) return 'image/gif';
  return null;
}

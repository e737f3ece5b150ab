/**
 * sniffImage (server/files/sniff.ts): the four image signatures, each as its specification writes it (PNG 3rd ed.
 * §5.2, ITU-T T.81 B.1.1.3, RFC 9649 §2.5, GIF89a §17), tried on real 1×1 images and on look-alikes that are not.
 */
import { sniffImage, SNIFF_BYTES } from '../../../server/files/sniff';
import { fileNameProblem } from '../../../server/imports/received-files';
import { GIF, HTML, JPEG, PNG, WEBP } from './images';

describe('sniffImage', () => {
  test('real PNG, JPEG, WebP and GIF images are told by their first bytes alone', () => {
    expect(sniffImage(PNG)).toBe('image/png');
    expect(sniffImage(JPEG)).toBe('image/jpeg');
    expect(sniffImage(WEBP)).toBe('image/webp');
    expect(sniffImage(GIF)).toBe('image/gif');
    for (const img of [PNG, JPEG, WEBP, GIF]) expect(sniffImage(img.subarray(0, SNIFF_BYTES))).toBe(sniffImage(img));
  });

  test('a GIF87a is a GIF too', () => {
    expect(sniffImage(Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1'))).toBe('image/gif');
  });

  test('look-alikes and other files are not images', () => {
    expect(sniffImage(HTML)).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
    // A truncated signature, a RIFF that is a WAV, GIF with another version, a PNG signature with its CRLF altered
    // (the signature exists to catch exactly that: a file passed through a text-mode transfer).
    expect(sniffImage(PNG.subarray(0, 7))).toBeNull();
    expect(sniffImage(Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'))).toBeNull();
    expect(sniffImage(Buffer.from('GIF88a', 'latin1'))).toBeNull();
    expect(sniffImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0a, 0x1a, 0x0a, 0x00]))).toBeNull();
    expect(sniffImage(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  });
});

describe('fileNameProblem', () => {
  test('relative paths pass; absolute, parent, backslash, empty and control-character names are refused in words', () => {
    for (const ok of ['cat.png', 'img/cat.png', 'a b/ü.png', '..cat.png', 'x..y/z.png']) expect(fileNameProblem(ok)).toBeNull();
    expect(fileNameProblem('/etc/passwd')).toContain('is an absolute path');
    expect(fileNameProblem('C:/x.png')).toContain('is an absolute path');
    expect(fileNameProblem('../x.png')).toContain('goes outside the upload');
    expect(fileNameProblem('a/../../x.png')).toContain('goes outside the upload');
    expect(fileNameProblem('a\\x.png')).toContain('backslash');
    expect(fileNameProblem('')).toContain('has no name');
    expect(fileNameProblem('a//x.png')).toContain('empty or "." folder');
    expect(fileNameProblem('./x.png')).toContain('empty or "." folder');
    expect(fileNameProblem('x\u001b[2J.png')).toContain('control character');
  });
});

/**
 * The progress bar of `concord import`: drawn on a terminal as the file is sent, then saying the server is at work;
 * nothing at all without a terminal. A pseudo-terminal is not available to the tests, so the bar is drawn on a fake
 * stream that says it is one.
 */
import { Writable } from 'node:stream';
import { importProgress } from '../../server/cli/import-files';

/** A stream that says it is an 80-column terminal and keeps what is written to it. */
function fakeTerminal(): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { isTTY: true, columns: 80 },
  );
  return { stream, text: () => chunks.join('') };
}

const MiB = 1048576;
// What a terminal shows at the end: the text after the last carriage return or cursor move, escapes removed.
const lastFrame = (text: string) => text.split(/\r|\x1b\[\d*G/).filter((f) => f.trim() !== '').pop()!.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

describe('importProgress', () => {
  test('on a terminal the bar counts the bytes sent, then says the server is checking and writing, and ends its line', async () => {
    const { stream, text } = fakeTerminal();
    const p = importProgress(10 * MiB, stream);
    // The bar redraws on its own timer (10 frames a second): each check waits for the next frame.
    const frame = () => new Promise((r) => setTimeout(r, 250));
    try {
      expect(lastFrame(text())).toMatch(/import .* 0% \| 0\.0 MiB of 10\.0 MiB \| sending/);
      p.sent(5 * MiB);
      await frame();
      expect(lastFrame(text())).toMatch(/ 50% \| 5\.0 MiB of 10\.0 MiB \| sending/);
      p.sent(5 * MiB);
      p.uploaded();
      await frame();
    } finally {
      p.stop();
    }
    expect(lastFrame(text())).toMatch(/ 100% \| 10\.0 MiB of 10\.0 MiB \| sent; the server is checking and writing/);
    expect(text().endsWith('\n')).toBe(true);
    // The cursor hidden while drawing is shown again.
    expect(text()).toContain('\x1b[?25h');
  });

  test('without a terminal (a pipe, a test, --quiet, --json) nothing is written at all', () => {
    const { stream, text } = fakeTerminal();
    const p = importProgress(10 * MiB, null);
    p.sent(10 * MiB);
    p.uploaded();
    p.stop();
    expect(text()).toBe('');
    expect(stream.writableLength).toBe(0);
  });

  test('an empty file still draws a finished bar rather than dividing by zero', () => {
    const { stream, text } = fakeTerminal();
    const p = importProgress(0, stream);
    p.uploaded();
    p.stop();
    expect(lastFrame(text())).toMatch(/ 100% \| 0\.0 MiB of 0\.0 MiB/);
    expect(text()).not.toMatch(/NaN|Infinity/);
  });
});

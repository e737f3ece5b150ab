/**
 * Realistic items for the benchmarks, made from a seeded random source so every run seeds the same data: plain
 * pairs, MT-Bench-shaped two-turn conversations, ranking items with four or five answers, and PNG images.
 * Sizes follow the data sets the issue names: MT-Bench's questions are a few hundred characters and its answers
 * one to two thousand (https://huggingface.co/datasets/lmsys/mt_bench_human_judgments), so a two-turn
 * conversation is 2–4 KB.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';

/** A seeded random source in [0, 1) (a 32-bit LCG, Numerical Recipes' constants): fast and reproducible. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

const SENTENCES = [
  'The answer explains its reasoning in a few sentences, as a model would, with enough text to matter.',
  'First, consider what the question actually asks, and which assumptions it leaves unstated.',
  'A careful reader would check each step of the argument against the facts given in the prompt.',
  'Here is a short example in Python: `def area(r): return 3.14159 * r ** 2`, which returns the area of a circle.',
  'In summary, the second approach is simpler, although it needs more memory for large inputs.',
  'Historically, this was first described in the nineteenth century and refined many times since.',
  'Note that the result depends on the units used; converting to metres first avoids the mistake.',
  'Some sources disagree on this point, so the answer gives both views and the evidence for each.',
];

/** About `chars` characters of prose (whole sentences from a fixed set, starting at a varied place). */
export function prose(chars: number, rnd: () => number, lead = ''): string {
  const parts = [lead];
  let n = lead.length;
  let k = Math.floor(rnd() * SENTENCES.length);
  while (n < chars) {
    const s = SENTENCES[k++ % SENTENCES.length]!;
    parts.push(s);
    n += s.length + 1;
  }
  return parts.join(' ').trim();
}

const between = (rnd: () => number, lo: number, hi: number) => Math.round(lo + rnd() * (hi - lo));

/** A plain pair (the assignment benchmark's item since issue 2: a question and two answers of ~250 characters). */
export function plainPair(i: number): Record<string, string> {
  const filler = `${SENTENCES[0]} `;
  return {
    id: `q${i}`,
    question: `Question ${i}: which of these two answers is more helpful and correct?`,
    answer_a: `Answer A to ${i}. ${filler}${filler}`,
    answer_b: `Answer B to ${i}. ${filler}${filler}`,
  };
}

export interface Message {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * A pair of MT-Bench-shaped conversations: two user questions (150–400 and 100–300 characters, the same in both)
 * and each model's two replies (800–1,800 and 600–1,400 characters), so each conversation is about 2–4 KB. The
 * judged turn alternates between 1 and 2 (MT-Bench judges both).
 */
export function conversationPair(i: number, rnd: () => number): { id: string; conversation_a: Message[]; conversation_b: Message[]; turn: number } {
  const q1 = prose(between(rnd, 150, 400), rnd, `Question ${i}, turn 1:`);
  const q2 = prose(between(rnd, 100, 300), rnd, 'Follow-up:');
  const side = (model: string): Message[] => [
    { role: 'user', content: q1 },
    { role: 'assistant', content: prose(between(rnd, 800, 1800), rnd, `${model} answers ${i}.`) },
    { role: 'user', content: q2 },
    { role: 'assistant', content: prose(between(rnd, 600, 1400), rnd, `${model} follows up.`) },
  ];
  return { id: `c${i}`, conversation_a: side('Model A'), conversation_b: side('Model B'), turn: 1 + (i % 2) };
}

/** A ranking item: one question and 4 or 5 answers of 200–600 characters (JudgeLM's multi-answer setting). */
export function rankingItem(i: number, rnd: () => number): { id: string; question: string; answers: string[] } {
  const n = 4 + (i % 2);
  return {
    id: `r${i}`,
    question: prose(between(rnd, 80, 250), rnd, `Question ${i}: order these answers best to worst.`),
    answers: Array.from({ length: n }, (_, k) => prose(between(rnd, 200, 600), rnd, `Answer ${k + 1} to ${i}.`)),
  };
}

// ---------------------------------------------------------------------------------------------
// PNG files (https://www.w3.org/TR/png-3/): 8-bit RGB, no filter, one IDAT chunk.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A valid PNG of about `bytes` bytes: a square of coloured noise (noise does not compress, as photographs barely
 * do in PNG, so the file is as large as asked; deflate's stored blocks, as compressing noise gains nothing). Decodes
 * in any browser. The pixels are the system's random bytes (fast; only the sizes need to repeat from run to run).
 */
export function noisePng(bytes: number): Buffer {
  const side = Math.max(8, Math.round(Math.sqrt(bytes / 3)));
  const row = 1 + side * 3;
  const raw = crypto.randomFillSync(Buffer.alloc(row * side));
  for (let y = 0; y < side; y++) raw[y * row] = 0; // each row's filter byte: none
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 0 })), chunk('IEND', Buffer.alloc(0))]);
}

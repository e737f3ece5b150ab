import type { SessionInfo, TaskItem } from '../../../shared/protocol';
import { chooseTemplate, messageText, renderTask } from '../../../judge-worker/templates';

const project: SessionInfo['project'] = { id: 1, title: 'p', type: 'pairwise', instructions: '', options: null, scale: null, certainty: null, rationale: 'off', completion_code: null, redirect_url: null };
const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const JPEG = 'data:image/jpeg;base64,/9j/4AAQ';

describe('images in judge prompts', () => {
  test('an item without images sends its prompt as a plain string', () => {
    const item: TaskItem = { id: 'x', question: 'q', answer_a: 'a', answer_b: 'b' };
    const user = renderTask(chooseTemplate('pairwise', {}, item), item, project, false).messages[1]!;
    expect(typeof user.content).toBe('string');
  });

  test("an item's images follow the prompt's text as image_url parts, in order, each after a text part naming it", () => {
    const item: TaskItem = { id: 'x', question: 'Which caption fits?', answer_a: 'a cat', answer_b: 'a dog', images: [{ src: PNG, alt: 'a small animal' }, { src: 'https://example.org/b.jpg' }] };
    const { messages } = renderTask(chooseTemplate('pairwise', {}, item), item, project, false);
    const user = messages[1]!;
    expect(Array.isArray(user.content)).toBe(true);
    const parts = user.content as Array<Record<string, unknown>>;
    expect(parts[0]).toMatchObject({ type: 'text', text: expect.stringContaining('[User Question]\nWhich caption fits?') });
    expect(parts.slice(1)).toEqual([
      { type: 'text', text: 'Image 1 (the item; described as: a small animal):' },
      { type: 'image_url', image_url: { url: PNG } },
      { type: 'text', text: 'Image 2 (the item):' },
      { type: 'image_url', image_url: { url: 'https://example.org/b.jpg' } },
    ]);
    expect(messageText(user)).toContain('Image 2 (the item):');
  });

  test("a conversation's images are marked where they were and sent once, though both conversations hold the user's", () => {
    const asked = { role: 'user' as const, content: 'What is in the picture?', images: [{ src: PNG }] };
    const item: TaskItem = {
      id: 'c',
      question: asked.content,
      answer_a: 'A cat.',
      answer_b: 'A dog.',
      turn: 1,
      conversation_a: [asked, { role: 'assistant', content: 'A cat.' }],
      conversation_b: [asked, { role: 'assistant', content: 'A dog.', images: [{ src: JPEG, alt: 'drawn dog' }] }],
    };
    const user = renderTask(chooseTemplate('pairwise', {}, item), item, project, false).messages[1]!;
    const parts = user.content as Array<{ type: string; text?: string; image_url?: { url: string } }>;
    expect(parts[0]!.text).toContain('### User:\nWhat is in the picture?\n\n[Image 1]\n\n### Assistant A:\nA cat.');
    expect(parts[0]!.text).toContain('### Assistant B:\nA dog.\n\n[Image 2: drawn dog]');
    expect(parts.filter((p) => p.type === 'image_url').map((p) => p.image_url!.url)).toEqual([PNG, JPEG]);
    expect(parts.filter((p) => p.type === 'text').slice(1).map((p) => p.text)).toEqual(['Image 1 (conversation A, message 1 (user)):', 'Image 2 (conversation B, message 2 (assistant); described as: drawn dog):']);
  });
});

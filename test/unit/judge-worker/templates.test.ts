import { BUILT_IN_TEMPLATES, renderTask } from '../../../judge-worker/templates';

describe('judge templates', () => {
  test('a template asks for a certainty on the project scale only when the project collects one', () => {
    const pairwise = BUILT_IN_TEMPLATES.find((t) => t.name === 'pairwise')!;
    const project = { id: 1, title: 'p', type: 'pairwise' as const, instructions: '', options: null, scale: null, certainty: null, rationale: 'off' as const, completion_code: null, redirect_url: null };
    const item = { id: 'q', question: 'Q?', answer_a: 'a', answer_b: 'b' };
    expect(renderTask(pairwise, item, project, false).messages.map((m) => m.content).join('\n')).not.toMatch(/certainty/i);
    const withCertainty = renderTask(pairwise, item, { ...project, certainty: { min: 0, max: 10 } }, false);
    expect(withCertainty.messages[0]!.content).toContain('from 0 to 10');
    const persona = BUILT_IN_TEMPLATES.find((t) => t.name === 'persona')!;
    expect(renderTask(persona, { ...item, persona: 'A nurse' }, project, false).messages.at(-1)!.content).toMatch(/81--100 \(Highly Confident\)[\s\S]*A nurse/);
  });
});

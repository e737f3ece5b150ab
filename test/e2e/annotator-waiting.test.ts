/**
 * The annotator page in a real chromium (issue 8, points 2 and 20): while the last tasks are held by others the
 * page says so kindly, gives no completion code, and takes a task when one comes back; the crowd platform's ids in
 * the join URL (Prolific's PROLIFIC_PID, STUDY_ID, SESSION_ID) are stored with each label.
 */
import type { Task } from '../../shared/protocol';
import { invite, makeProject, ok, pairwiseItems } from '../helpers/server';
import { browserSuite, watchErrors } from './browser';

jest.setTimeout(120_000);

const suite = browserSuite();

describe('annotator page: waiting for tasks held by others', () => {
  test('while someone else holds the last task the page says it is taken, with no completion code, and "Check now" takes it once it is back', async () => {
    const pid = await makeProject(suite.server, { redundancy: 1, completion_code: 'PAID-9' }, pairwiseItems(2));
    const token = await invite(suite.server, pid);
    // Someone else has taken one of the two items and keeps it.
    const other = await suite.server.connect({ token, worker: 'other' });
    const held = (await ok<Task>(other, 'task:next'))!;
    const page = await suite.ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${suite.server.url}/join/${token}?PROLIFIC_PID=prolific-1&STUDY_ID=study-42&SESSION_ID=session-7`);
    await page.getByRole('button', { name: /Start/ }).click();
    await page.locator('article.task').waitFor();
    await page.keyboard.press('1');
    await page.keyboard.press('Enter');
    await page.getByTestId('waiting-message').waitFor();
    await expect(page.locator('#end-title').textContent()).resolves.toMatch(/taken right now/);
    expect(await page.getByTestId('completion-code').count()).toBe(0);

    // The other person lets it go: the page takes it, and after it the completion code comes.
    await ok(other, 'task:release', { leaseId: held.leaseId });
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.locator('article.task').waitFor();
    await page.keyboard.press('2');
    await page.keyboard.press('Enter');
    await page.getByTestId('completion-code').waitFor();
    await expect(page.getByTestId('completion-code').textContent()).resolves.toBe('PAID-9');

    const rows = suite.server.db.prepare('SELECT a.key, l.study_id, l.session_id, l.invite_id IS NOT NULL AS has_invite FROM labels l JOIN annotators a ON a.id = l.annotator_id WHERE l.project_id = ?').all(pid);
    expect(rows).toEqual([
      { key: 'prolific-1', study_id: 'study-42', session_id: 'session-7', has_invite: 1 },
      { key: 'prolific-1', study_id: 'study-42', session_id: 'session-7', has_invite: 1 },
    ]);
    expect(errors).toEqual([]);
  });
});

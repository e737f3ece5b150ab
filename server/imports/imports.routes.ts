/**
 * `POST /api/projects/:id/items` and `…/labels` import a file of items or labels (JSONL, CSV or JSON; `?upsert=1`
 * replaces). Items may come with their image files: a multipart/form-data body (multipart.ts).
 */
import type { Request, Router } from 'express';
import type { ImportResult } from '../../shared/views';
import { flag } from '../../shared/schemas';
import { projectOf, projectRouter } from '../http/params';
import type { ProjectsService } from '../projects/projects.service';
import type { TasksService } from '../tasks/tasks.service';
import type { ImportsService } from './imports.service';
import { isMultipart, receiveMultipart, type ItemsUpload } from './multipart';
import { explicitFormat } from './parse';
import { spoolBody } from './spool';
import { applyPlan, planOf } from './presets/plan';

interface Deps {
  projects: ProjectsService;
  imports: ImportsService;
  tasks: TasksService;
  maxImportBytes: number;
  /** Where import bodies are spooled while they arrive (the database's folder). */
  spoolDir: string;
}

/** Reads its own bodies (streamed): it is mounted before the API's JSON body parser. */
export function importsRouter({ projects, imports, tasks, maxImportBytes, spoolDir }: Deps): Router {
  const r = projectRouter(projects);
  const limits = { dir: spoolDir, limit: maxImportBytes };
  // An import's body is streamed to a spool file (never held in memory) and read back record by record.
  const receive = async (kind: 'items' | 'labels', req: Request): Promise<ItemsUpload> => {
    if (kind === 'items' && isMultipart(req)) return receiveMultipart(req, limits);
    const body = await spoolBody(req, limits);
    return { body, contentType: req.get('content-type'), files: null, dispose: () => body.dispose() };
  };
  const importRoute = (kind: 'items' | 'labels') =>
    r.post(`/projects/:id/${kind}`, async (req, res) => {
      const project = projectOf(res);
      const format = explicitFormat(typeof req.query.format === 'string' ? req.query.format : undefined);
      // `?preset=` / `?map=` (items only): checked before the body is read, so a wrong name costs no upload.
      const plan = kind === 'items' ? planOf(req.query) : null;
      const upload = await receive(kind, req);
      try {
        if (kind === 'items' && !plan) {
          // Checked against the project as it is once the file has arrived (it may have changed meanwhile).
          const upsert = flag(req.query.upsert);
          const r = await imports.importItemsFile(projects.get(project.id), { body: upload.body, contentType: upload.contentType, format, upsert }, upload.files, spoolDir);
          // Items only added: the pool takes them as they are; an upsert may have changed items it holds.
          if (upsert) tasks.reload(project.id);
          else tasks.itemsAdded(project.id);
          res.json(importedItems(r, upload.files !== null, false));
          return;
        }
        const read = await imports.read(kind, project, { body: upload.body, contentType: upload.contentType, format, upsert: flag(req.query.upsert) });
        // Validate and write against the project as it is now: it may have changed while the file arrived.
        const current = projects.get(project.id);
        const carried = plan ? applyPlan(plan, current, read) : null;
        const result: ImportResult =
          kind === 'items' ? importedItems(imports.importItems(current, read, upload.files, carried), upload.files !== null, carried !== null) : { imported: imports.importLabels(current, read) };
        tasks.reload(project.id);
        res.json(result);
      } finally {
        await upload.dispose();
      }
    });
  importRoute('items');
  importRoute('labels');
  return r;
}

/** An items import's answer: the files count only when the upload could carry files (multipart), the labels only with a preset. */
function importedItems(r: { imported: number; files: number; labels?: number }, upload: boolean, preset: boolean): ImportResult {
  const out: ImportResult = { imported: r.imported };
  if (preset) out.labels = r.labels ?? 0;
  if (upload) out.files = r.files;
  return out;
}

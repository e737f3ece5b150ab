/**
 * The fleet benchmark's project, through the real REST API of the server child: plain pairs (bench/lib/items.ts,
 * the assignment benchmark's item) for humans at redundancy 3, the judges registered beside them (each judge
 * labels every item once), and an invite for the humans.
 */
import { plainPair } from '../lib/items';

export interface FleetProject {
  projectId: number;
  /** The humans' invite token. */
  invite: string;
  judges: Array<{ id: number; name: string; token: string }>;
}

export type Api = <T>(method: string, route: string, body?: string, type?: string) => Promise<T>;

/** A REST caller with the admin token, throwing with the status and body on an error answer. */
export function restApi(url: string, token: string): Api {
  return async <T>(method: string, route: string, body?: string, type = 'application/json'): Promise<T> => {
    const res = await fetch(url + route, { method, headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
}

/**
 * Creates the project, imports `items` plain pairs (in bodies of 10,000), registers `judges` judges of `concurrency`
 * each (a judge may hold twice that many leases: one judged, one taken ahead, per lane) and makes the invite.
 */
export async function setUpFleetProject(api: Api, o: { items: number; judges: number; concurrency: number; baseUrl: string }): Promise<FleetProject> {
  const project = await api<{ id: number }>('POST', '/api/projects', JSON.stringify({ name: 'Judge fleet benchmark', type: 'pairwise', redundancy: 3 }));
  for (let from = 1; from <= o.items; from += 10_000) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(from + 10_000, o.items + 1); i++) lines.push(JSON.stringify(plainPair(i)));
    await api('POST', `/api/projects/${project.id}/items`, lines.join('\n') + '\n', 'application/x-ndjson');
  }
  const judges: FleetProject['judges'] = [];
  for (let k = 1; k <= o.judges; k++) {
    const body = { name: `fleet-judge-${k}`, model: `bench-model-${k}`, base_url: o.baseUrl, concurrency: o.concurrency };
    judges.push(await api<{ id: number; name: string; token: string }>('POST', `/api/projects/${project.id}/judges`, JSON.stringify(body)));
  }
  const invite = await api<{ token: string }>('POST', `/api/projects/${project.id}/invites`, '{}');
  // A running server has its pool loaded: load it now, so the first task:next of the run does not pay for it.
  await api('GET', `/api/projects/${project.id}/progress`);
  return { projectId: project.id, invite: invite.token, judges };
}

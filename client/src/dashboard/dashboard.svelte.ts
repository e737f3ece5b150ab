/** The dashboard's session: the REST client, the admin socket and the project list. */
import type { Project, ProjectList } from '../../../shared/views';
import { Api, forgetToken } from '../lib/api';
import { messageOf } from '../lib/errors';
import { AdminSocket } from '../lib/socket';

export class DashboardState {
  readonly api: Api;
  readonly socket: AdminSocket;
  projects = $state<Project[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  online = $state(false);
  /** Set when the token is refused: the dashboard goes back to the sign-in form. */
  refused = $state<string | null>(null);
  private reconnectHooks = new Set<() => void>();

  constructor(readonly token: string) {
    this.api = new Api(token);
    this.socket = new AdminSocket(token, {
      connect: () => {
        this.online = true;
        for (const f of this.reconnectHooks) f();
      },
      disconnect: () => (this.online = false),
      refused: (message, fatal) => {
        if (fatal) this.refused = message;
      },
    });
  }

  /** Runs `f` on every (re)connection of the admin socket, e.g. to watch a project again. */
  onConnect(f: () => void): () => void {
    this.reconnectHooks.add(f);
    if (this.online) f();
    return () => this.reconnectHooks.delete(f);
  }

  async loadProjects() {
    try {
      this.projects = (await this.api.get<ProjectList>('/api/projects')).projects;
      this.error = null;
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.loaded = true;
    }
  }

  /** Puts a project the server just returned (e.g. after an edit) in the list in place of its old copy. */
  replaceProject(p: Project) {
    this.projects = this.projects.map((q) => (q.id === p.id ? p : q));
  }

  project(id: number): Project | undefined {
    return this.projects.find((p) => p.id === id);
  }

  signOut() {
    forgetToken();
    this.socket.close();
  }
}

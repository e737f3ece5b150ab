/** A small path router for the dashboard: `/`, `/projects/:id` and `/projects/:id/:tab` (the server serves all three). */
class Router {
  path = $state(location.pathname);
  constructor() {
    addEventListener('popstate', () => (this.path = location.pathname));
  }
  go(path: string) {
    if (path === this.path) return;
    history.pushState(null, '', path);
    this.path = path;
    scrollTo(0, 0);
  }
  get route(): { name: 'projects' } | { name: 'project'; id: number; tab: string } {
    const m = /^\/projects\/(\d+)(?:\/([a-z-]+))?\/?$/.exec(this.path);
    if (m) return { name: 'project', id: Number(m[1]), tab: m[2] ?? 'overview' };
    return { name: 'projects' };
  }
}

export const router = new Router();

/** Turns a plain left click on an internal link into a router navigation. */
export function link(node: HTMLAnchorElement) {
  const onclick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    router.go(node.getAttribute('href')!);
  };
  node.addEventListener('click', onclick);
  return { destroy: () => node.removeEventListener('click', onclick) };
}

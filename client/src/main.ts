/**
 * Entry: picks the screen from the path and loads only its code. The annotator page never downloads the
 * dashboard or its charts (its JavaScript budget is 150 KB gzipped).
 */
import { mount } from 'svelte';
import './styles.css';

const target = document.getElementById('app')!;
const join = /^\/join\/([^/]+)\/?$/.exec(location.pathname);

if (join) {
  void import('./annotator/Annotator.svelte').then(({ default: Annotator }) => {
    const params = new URLSearchParams(location.search);
    // `worker`, or the crowd platform's own name for it (Prolific's PROLIFIC_PID, MTurk's workerId).
    const worker = params.get('worker') || params.get('PROLIFIC_PID') || params.get('workerId') || '';
    mount(Annotator, { target, props: { token: decodeURIComponent(join[1]!), worker } });
  });
} else {
  void import('./dashboard/Dashboard.svelte').then(({ default: Dashboard }) => mount(Dashboard, { target }));
}

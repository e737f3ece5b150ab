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
    mount(Annotator, { target, props: { token: decodeURIComponent(join[1]!), worker: params.get('worker') ?? '' } });
  });
} else {
  void import('./dashboard/Dashboard.svelte').then(({ default: Dashboard }) => mount(Dashboard, { target }));
}

/**
 * The browser app (client/) is built by Vite into client/dist, which the Express server serves. `npm run dev`
 * runs Vite's dev server with the API and socket.io proxied to a Concord server on :3000 (`npm start` or
 * `node bin/concord.js serve`).
 */
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const target = process.env.CONCORD_DEV_API ?? 'http://localhost:3000';

export default defineConfig({
  root: 'client',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Report gzipped sizes: the annotator page has a 150 KB budget (see test/e2e).
    reportCompressedSize: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target, changeOrigin: true },
      '/health': { target, changeOrigin: true },
      // The server refuses websockets from other origins; the page's origin here is Vite's, so the proxy presents
      // the target's own (dev only: Vite listens on localhost).
      '/socket.io': { target, ws: true, changeOrigin: true, rewriteWsOrigin: true },
    },
  },
});

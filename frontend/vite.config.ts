import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

// dist/ is emptied at each build; the Go embed needs dist/.gitkeep in a fresh clone (the file
// is tracked), so the build puts it back.
const keepDist: Plugin = {
  name: 'chelal-keep-dist',
  apply: 'build',
  closeBundle() {
    writeFileSync(resolve(import.meta.dirname, 'dist', '.gitkeep'), '');
  },
};

// The Go server serves dist/ (embedded at build time) and the API on the same origin, under a
// strict CSP: no inline script, nothing remote. `npm run dev` proxies /api to a running
// `chelal serve` (CHELAL_URL, default http://127.0.0.1:7300).
export default defineConfig({
  plugins: [react(), keepDist],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        // one long-cached chunk for the libraries, which change less often than the screens
        codeSplitting: {
          // The charts (recharts, d3, @mantine/charts) are loaded only with the screens that
          // draw them; the rest of node_modules is the shared vendor chunk.
          groups: [
            { name: 'charts', test: /node_modules[\\/](recharts|d3-[^\\/]+|@mantine[\\/]charts|victory-vendor|decimal\.js-light|internmap)[\\/]/, priority: 2 },
            { name: 'vendor', test: /node_modules/, priority: 1 },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': process.env.CHELAL_URL ?? 'http://127.0.0.1:7300' },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});

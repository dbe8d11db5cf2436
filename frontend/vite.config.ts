import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
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

// Every asset is also written precompressed (.br, .gz) once, at build time: the Go server sends
// the form the browser accepts (internal/server/spa.go), so a workstation on the clinic's Wi-Fi
// moves about a third of the bytes and the server spends no CPU compressing. Both compressors
// are deterministic (no time stamp), so a build stays reproducible.
const precompress: Plugin = {
  name: 'chelal-precompress',
  apply: 'build',
  closeBundle() {
    const dir = resolve(import.meta.dirname, 'dist', 'assets');
    for (const name of readdirSync(dir)) {
      if (!/\.(js|css|svg|json)$/.test(name)) continue;
      const data = readFileSync(join(dir, name));
      const br = brotliCompressSync(data, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
      });
      const gz = gzipSync(data, { level: 9 });
      if (br.length < data.length) writeFileSync(join(dir, name + '.br'), br);
      if (gz.length < data.length) writeFileSync(join(dir, name + '.gz'), gz);
    }
  },
};

// The Go server serves dist/ (embedded at build time) and the API on the same origin, under a
// strict CSP: no inline script, nothing remote. `npm run dev` proxies /api to a running
// `chelal serve` (CHELAL_URL, default http://127.0.0.1:7300).
export default defineConfig({
  plugins: [react(), keepDist, precompress],
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
          // The libraries the login page needs (those the entry imports statically: the
          // '$initial' tag) are the vendor chunk, taken first so that React and Mantine never land
          // in another; the charts (recharts, d3, @mantine/charts) load only with the screens that
          // draw one; the other libraries of the screens behind the login are one more chunk. The
          // login page's cold load is measured in the browser test (frontend/e2e/transfer).
          groups: [
            { name: 'vendor', test: /node_modules/, tags: ['$initial'], priority: 3 },
            { name: 'charts', test: /node_modules[\\/](recharts|d3-[^\\/]+|@mantine[\\/]charts|victory-vendor|decimal\.js-light|internmap)[\\/]/, priority: 2 },
            { name: 'screens', test: /node_modules/, priority: 1 },
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

// The web app is a static site: `vite build` writes dist/, which any static server can serve
// (scripts/dev-network.sh serves it with `vite preview`). Relative asset paths let it live
// under any path.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    target: 'es2022',
    outDir: 'dist',
    // polkadot.js bundles its WASM crypto; one chunk of ≈ 1.5 MB is expected.
    chunkSizeWarningLimit: 4096,
  },
  preview: { host: '127.0.0.1', port: 8080, strictPort: true },
});

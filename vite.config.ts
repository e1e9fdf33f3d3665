import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  server: { host: 'localhost', port: 5173 },
  preview: { host: 'localhost', port: 4173, strictPort: true },
  build: {
    target: 'es2022',
    sourcemap: true,
    // The playground, and the page the command-line tools drive (same worker and engine).
    rollupOptions: { input: { main: 'index.html', headless: 'headless.html' } },
  },
  worker: { format: 'es' },
});

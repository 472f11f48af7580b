// Bundles TypeScript modules of src/ for the Node tools (eval:nab, eval:faults)
// and imports them: one ES module per entry, unminified, into outDir.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';

/** `entries`: name → absolute path of a .ts file. Returns name → the imported module. */
export async function bundleForNode(outDir, entries) {
  mkdirSync(outDir, { recursive: true });
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      lib: { entry: entries, formats: ['es'], fileName: (_format, name) => `${name}.mjs` },
    },
  });
  const modules = {};
  for (const name of Object.keys(entries)) modules[name] = await import(pathToFileURL(join(outDir, `${name}.mjs`)).href);
  return modules;
}

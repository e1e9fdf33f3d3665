// The project's static Python sources, bundled into the page as text (vite's ?raw), by file name.

const modules = import.meta.glob<string>('./python/*.py', { query: '?raw', import: 'default', eager: true });

/** Every src/export/python/*.py by file name, e.g. "train.py". */
export const PYTHON_SOURCES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(modules).map(([path, text]) => [path.slice(path.lastIndexOf('/') + 1), text]),
);

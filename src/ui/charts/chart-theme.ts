// The page's colours for charts, read from the CSS variables of styles.css (which follow the
// system theme), and read again when the system switches between light and dark.

import { useEffect, useState } from 'react';
import type { ChartTheme } from './series';

const DARK_QUERY = '(prefers-color-scheme: dark)';

/** The page's colours, from the CSS variables of styles.css (which follow the system theme). */
function readTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim() || undefined;
  return { fg: read('--fg'), bg: read('--bg'), muted: read('--muted'), line: read('--line') };
}

export function useChartTheme(): ChartTheme {
  const [theme, setTheme] = useState<ChartTheme>(readTheme);
  useEffect(() => {
    const query = matchMedia(DARK_QUERY);
    const update = () => setTheme(readTheme());
    query.addEventListener('change', update);
    return () => query.removeEventListener('change', update);
  }, []);
  return theme;
}

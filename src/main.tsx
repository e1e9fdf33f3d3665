import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/app';
import { browserEnvironment, createPlayground } from './ui/playground';
import { PlaygroundContext } from './ui/playground-context';
import './ui/styles.css';

// Started before the first render, so the page opens with the link's or the last visit's setup.
const playground = createPlayground(browserEnvironment());
void playground.start(location.href);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PlaygroundContext value={playground.store}>
      <App />
    </PlaygroundContext>
  </StrictMode>,
);
